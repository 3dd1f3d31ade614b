import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext } from '@nestjs/graphql';
import { HubRequest } from '../../common/actor';
import { AuthErrorCode } from '../../common/auth.errors';
import { HubError } from '../../common/hub-error';
import { Permission, PERMISSION_KEY, PUBLIC_KEY } from '../../common/permissions';
import { TokensService } from './tokens.service';

/**
 * The global guard: deny by default. An operation passes only when it is marked @Public(), or
 * carries @RequirePermission(...) and the caller's bearer token satisfies it.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokensService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const permission = this.reflector.getAllAndOverride<Permission | undefined>(PERMISSION_KEY, targets);
    if (!permission) {
      throw new HubError(
        'FORBIDDEN',
        AuthErrorCode.AUTH_NO_PERMISSION_DECLARED,
        'this operation is not open to anyone',
      );
    }
    const req = requestOf(context);
    const header = req.headers.authorization;
    const value = Array.isArray(header) ? header[0] : header;
    const match = value ? /^Bearer\s+(\S+)\s*$/i.exec(value) : null;
    if (!match) {
      throw new HubError(
        'UNAUTHENTICATED',
        AuthErrorCode.AUTH_TOKEN_MISSING,
        'send an API token as "Authorization: Bearer <token>"',
      );
    }
    req.actor = await this.tokens.authenticate(match[1]);
    if (permission === Permission.ADMIN && !req.actor.isAdmin) {
      throw new HubError(
        'FORBIDDEN',
        AuthErrorCode.AUTH_ADMIN_REQUIRED,
        'this operation is for the alliance operator',
      );
    }
    return true;
  }
}

function requestOf(context: ExecutionContext): HubRequest {
  if (context.getType<string>() === 'graphql') {
    return GqlExecutionContext.create(context).getContext<{ req: HubRequest }>().req;
  }
  return context.switchToHttp().getRequest<HubRequest>();
}
