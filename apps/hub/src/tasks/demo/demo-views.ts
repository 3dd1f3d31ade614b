import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { HubConfig } from '@maxhub/config';
import { CoreModule, type MaterializeOutcome, ViewsModule, ViewsService } from '@maxhub/core';

/**
 * Materializes, inline, the views of every ACTIVE grant that lacks them (what the worker's
 * view-materialize job does), so that `demo seed` ends with the demo grant's view READY and the
 * README's first query answers at once. Idempotent: READY views are left alone.
 */
export async function materializeDemoViews(config: HubConfig): Promise<MaterializeOutcome[]> {
  @Module({ imports: [CoreModule.register(config), ViewsModule] })
  class DemoViewsModule {}
  const app = await NestFactory.createApplicationContext(DemoViewsModule, {
    logger: false,
    abortOnError: false,
  });
  try {
    const views = app.get(ViewsService);
    const todo = await views.reconcile();
    const out: MaterializeOutcome[] = [];
    for (const id of todo.materialize) out.push(await views.materialize(id));
    return out;
  } finally {
    await app.close();
  }
}
