import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import { HubRequest } from './hub-request';
import { Actor } from '@maxhub/core';

/** Injects the authenticated Actor (the guard guarantees one on non-public operations). */
export const CurrentActor = createParamDecorator((_data: unknown, ctx: ExecutionContext): Actor => {
  const req: HubRequest =
    ctx.getType<string>() === 'graphql'
      ? GqlExecutionContext.create(ctx).getContext<{ req: HubRequest }>().req
      : ctx.switchToHttp().getRequest<HubRequest>();
  if (!req.actor) throw new Error('CurrentActor used on an operation without authentication');
  return req.actor;
});
