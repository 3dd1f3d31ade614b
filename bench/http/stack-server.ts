/**
 * One HTTP stack of the comparison, in its own process, answering GraphQL on /graphql with a
 * one-field schema (no resolver runs for `{ __typename }`): `bare` (node:http, a fixed answer),
 * `nest-express` (NestJS + Express + Apollo: the hub's stack) or `nest-fastify` (NestJS +
 * Fastify + Apollo). Prints "ready" once listening. Arguments: stack, port.
 */
import 'reflect-metadata';
import * as http from 'node:http';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import { FastifyAdapter } from '@nestjs/platform-fastify';

const [stack, portText] = process.argv.slice(2);
const port = Number(portText);

async function main(): Promise<void> {
  if (stack === 'bare') {
    const body = '{"data":{"__typename":"Query"}}\n';
    http
      .createServer((req, res) => {
        const parts: Buffer[] = [];
        req.on('data', (c: Buffer) => parts.push(c));
        req.on('end', () => {
          JSON.parse(Buffer.concat(parts).toString('utf8'));
          res.writeHead(200, {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          });
          res.end(body);
        });
      })
      .listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
    return;
  }
  class StackModule {}
  Module({
    imports: [
      GraphQLModule.forRoot<ApolloDriverConfig>({
        driver: ApolloDriver,
        typeDefs: 'type Query { hello: String }',
        resolvers: { Query: { hello: () => 'hello' } },
        playground: false,
        path: '/graphql',
      }),
    ],
  })(StackModule);
  const app =
    stack === 'nest-fastify'
      ? await NestFactory.create(StackModule, new FastifyAdapter(), { logger: false })
      : await NestFactory.create(StackModule, { logger: false });
  await app.listen(port, '127.0.0.1');
  process.stdout.write('ready\n');
}

void main();
