# The hub, the worker and the CLI in one image (the compose file picks the command).
# Node: the current LTS line; the code also runs on Node 20.19+ (what the dev machines have).
ARG NODE_VERSION=24
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY apps apps
COPY libs libs
COPY migrations migrations
COPY bench bench
# The slice benchmark boots the in-process hub of the e2e suite (test/support).
COPY test/support test/support
COPY types types
RUN npm run build && npm prune --omit=dev

FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY package.json ./
COPY bin bin
USER node
EXPOSE 3000
CMD ["node", "--max-semi-space-size=32", "dist/apps/hub/src/main.js"]
# The worker (docker-compose.yml's command) runs with --max-semi-space-size=32: materialization
# allocates short-lived strings per cell and a larger young generation cuts GC time (bench/queries).
# Other ways to start it in this image: `node --max-semi-space-size=32 dist/apps/worker/src/main.js`.
