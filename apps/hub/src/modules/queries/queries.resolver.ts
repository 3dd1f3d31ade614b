import { Args, ID, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Actor } from '@maxhub/core';
import { CurrentActor } from '../../common/current-actor.decorator';
import { Permission, RequirePermission } from '../../common/permissions';
import { ExportFormat, SliceExport, SliceOrderInput, SlicePage, SlicePredicateInput } from './queries.models';
import { QueriesService } from './queries.service';

@Resolver()
export class QueriesResolver {
  constructor(private readonly queries: QueriesService) {}

  @Query(() => SlicePage, {
    description:
      'A page of the de-identified slice a grant opens to your working group (analysts only). Every call is audited and counts against the grant’s queries per day.',
  })
  @RequirePermission(Permission.MEMBER)
  slice(
    @CurrentActor() actor: Actor,
    @Args('grantId', { type: () => ID, description: 'The grant.' }) grantId: string,
    @Args('datasetId', { type: () => ID, description: 'A dataset the grant covers.' }) datasetId: string,
    @Args('columns', {
      type: () => [String],
      nullable: true,
      description: 'Output columns to return, in order (default: all the grant releases).',
    })
    columns: string[] | null,
    @Args('where', {
      type: () => [SlicePredicateInput],
      nullable: true,
      description: 'Predicates (all must hold, at most 32) on the de-identified values of granted columns.',
    })
    where: SlicePredicateInput[] | null,
    @Args('orderBy', {
      type: () => [SliceOrderInput],
      nullable: true,
      description: 'Sort keys. Default: view order (fast at any depth); column order only for small views.',
    })
    orderBy: SliceOrderInput[] | null,
    @Args('first', {
      type: () => Int,
      defaultValue: 100,
      description: 'Page size: at most the grant’s rows per query.',
    })
    first: number,
    @Args('after', {
      type: () => String,
      nullable: true,
      description: '`nextCursor` of the previous page of the same query.',
    })
    after: string | null,
  ): Promise<SlicePage> {
    return this.queries.slice(actor, { grantId, datasetId, columns, where, orderBy, first, after });
  }

  @Mutation(() => SliceExport, {
    description:
      'Prepare a download of the whole granted view of a dataset. Returns a path on this hub; the data streams through the hub, never from storage directly.',
  })
  @RequirePermission(Permission.MEMBER)
  exportSlice(
    @CurrentActor() actor: Actor,
    @Args('grantId', { type: () => ID, description: 'The grant.' }) grantId: string,
    @Args('datasetId', { type: () => ID, description: 'A dataset the grant covers.' }) datasetId: string,
    @Args('format', { type: () => ExportFormat, description: 'File format.' }) format: ExportFormat,
  ): Promise<SliceExport> {
    return this.queries.exportSlice(actor, grantId, datasetId, format);
  }
}
