import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { CompanyStorage, withStorage } from '@maxhub/storage';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { Public } from '../../common/permissions';

/** Liveness (`/health`) and readiness (`/ready`: PostgreSQL and MinIO answer). */
@Controller()
export class HealthController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly storage: CompanyStorage,
  ) {}

  @Get('health')
  @Public()
  @HttpCode(200)
  health() {
    return { status: 'ok' };
  }

  @Get('ready')
  @Public()
  async ready(@Res({ passthrough: true }) res: Response) {
    const check = async (fn: () => Promise<unknown>) => {
      try {
        await fn();
        return 'ok';
      } catch {
        return 'unreachable';
      }
    };
    const [postgres, minio] = await Promise.all([
      check(() => Promise.race([this.dataSource.query('SELECT 1'), timeout(3000)])),
      check(() => withStorage(() => this.storage.alliance.listBuckets(), 3000)),
    ]);
    const ok = postgres === 'ok' && minio === 'ok';
    res.status(ok ? 200 : 503);
    return { status: ok ? 'ready' : 'not ready', checks: { postgres, minio } };
  }
}

function timeout(ms: number): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref());
}
