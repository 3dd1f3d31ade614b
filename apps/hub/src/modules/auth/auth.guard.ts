import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext } from '@nestjs/graphql';
import { HubRequest } from '../../common/hub-request';
import { AuthErrorCode } from '../../common/auth.errors';
import { HubError } from '@maxhub/core';
import { Permission, PERMISSION_KEY, PUBLIC_KEY } from '../../common/permissions';
import { TokensService } from './tokens.service';

/**
 * The global guard: deny by default. An operation passes only when it is marked @Public(), or
 * carries @RequirePermission(...) and the caller's bearer token satisfies it. The token is
 * looked up once per request, however many guarded root fields the document holds.
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
    const token = match[1];
    if (req.authentication?.token !== token) {
      req.authentication = { token, actor: this.tokens.authenticate(token) };
    }
    const actor = await req.authentication.actor;
    req.actor = actor;
    if (permission === Permission.ADMIN && !actor.isAdmin) {
      throw new HubError(
        'FORBIDDEN',
        AuthErrorCode.AUTH_ADMIN_REQUIRED,
        'this operation is for the alliance operator',
      );
    }
    if (
      permission === Permission.MEMBER &&
      !actor.isAdmin &&
      actor.companies.size === 0 &&
      actor.workingGroups.size === 0
    ) {
      throw new HubError(
        'FORBIDDEN',
        AuthErrorCode.AUTH_MEMBERSHIP_REQUIRED,
        'this operation is for members of a company or working group of the alliance',
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
