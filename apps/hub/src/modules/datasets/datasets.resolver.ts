import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Actor } from '@maxhub/core';
import { CurrentActor } from '../../common/current-actor.decorator';
import { Permission, RequirePermission } from '../../common/permissions';
import { DatasetCatalogService } from './catalog.service';
import {
  Dataset,
  DatasetVersion,
  PublishDatasetResult,
  TextEncodingEnum,
  UploadPreview,
  UploadTicket,
} from './dataset.model';
import { DatasetsService } from './datasets.service';
import { RejectedUploadsService } from './rejected-uploads.service';
import { UploadsService } from './uploads.service';
import { CreateUploadTicketInput } from './dto/create-upload-ticket.input';
import { PublishDatasetInput } from './dto/publish-dataset.input';

@Resolver()
export class DatasetsResolver {
  constructor(
    private readonly service: DatasetsService,
    private readonly catalog: DatasetCatalogService,
    private readonly uploads: UploadsService,
    private readonly rejectedUploads: RejectedUploadsService,
  ) {}

  @Mutation(() => UploadTicket, {
    description:
      'Ask to upload one file into your company’s bucket (PUBLISHER only). Returns a presigned PUT URL, or for large files a multipart upload with one presigned URL per part; valid for one object key, at most 15 minutes.',
  })
  @RequirePermission(Permission.MEMBER)
  createUploadTicket(
    @CurrentActor() actor: Actor,
    @Args('input') input: CreateUploadTicketInput,
  ): Promise<UploadTicket> {
    return this.uploads.createUploadTicket(actor, input);
  }

  @Mutation(() => UploadTicket, {
    description:
      'Resume an interrupted multipart upload: lists the parts already stored and gives fresh URLs for the missing ones.',
  })
  @RequirePermission(Permission.MEMBER)
  resumeUpload(
    @CurrentActor() actor: Actor,
    @Args('ticketId', { type: () => ID, description: 'The upload ticket.' }) ticketId: string,
  ): Promise<UploadTicket> {
    return this.uploads.resumeUpload(actor, ticketId);
  }

  @Mutation(() => UploadTicket, {
    description: 'Complete a multipart upload once every part is uploaded (then call publishDataset).',
  })
  @RequirePermission(Permission.MEMBER)
  completeUpload(
    @CurrentActor() actor: Actor,
    @Args('ticketId', { type: () => ID, description: 'The upload ticket.' }) ticketId: string,
  ): Promise<UploadTicket> {
    return this.uploads.completeUpload(actor, ticketId);
  }

  @Mutation(() => Boolean, { description: 'Abort a multipart upload; the storage drops its parts.' })
  @RequirePermission(Permission.MEMBER)
  abortUpload(
    @CurrentActor() actor: Actor,
    @Args('ticketId', { type: () => ID, description: 'The upload ticket.' }) ticketId: string,
  ): Promise<boolean> {
    return this.uploads.abortUpload(actor, ticketId);
  }

  @Query(() => UploadPreview, {
    description:
      'Before publishing: the columns of an uploaded object’s first rows, their inferred types, which look like personal data, and the classes publishDataset would give them (PUBLISHER only). Confirm a proposal by leaving the column out of classifications or classifying it DIRECT_IDENTIFIER; any other class is recorded as an override.',
  })
  @RequirePermission(Permission.MEMBER)
  uploadPreview(
    @CurrentActor() actor: Actor,
    @Args('ticketId', { type: () => ID, description: 'The upload ticket the object was uploaded with.' })
    ticketId: string,
    @Args('encoding', {
      type: () => TextEncodingEnum,
      nullable: true,
      description: 'Text encoding of CSV / JSON lines; AUTO when omitted.',
    })
    encoding?: TextEncodingEnum,
  ): Promise<UploadPreview> {
    return this.service.uploadPreview(actor, ticketId, encoding);
  }

  @Mutation(() => PublishDatasetResult, {
    description:
      'Register an uploaded object as a new dataset version (version n+1 when the name exists). It is VALIDATING until the worker has checked the whole object, then PUBLISHED or REJECTED.',
  })
  @RequirePermission(Permission.MEMBER)
  publishDataset(
    @CurrentActor() actor: Actor,
    @Args('input') input: PublishDatasetInput,
  ): Promise<PublishDatasetResult> {
    return this.service.publishDataset(actor, input);
  }

  @Mutation(() => DatasetVersion, {
    description: 'Withdraw a PUBLISHED version (PUBLISHER only): it leaves the catalog, its record stays.',
  })
  @RequirePermission(Permission.MEMBER)
  withdrawDatasetVersion(
    @CurrentActor() actor: Actor,
    @Args('versionId', { type: () => ID, description: 'The version to withdraw.' }) versionId: string,
  ): Promise<DatasetVersion> {
    return this.service.withdrawDatasetVersion(actor, versionId);
  }

  @Mutation(() => DatasetVersion, {
    description:
      'Delete the uploaded object of a REJECTED version from your company’s bucket (PUBLISHER only; audited). The version’s record and rejection stay, with objectDeletedAt set. Download it first, if you need it, with GET /datasets/versions/{versionId}/rejected-upload.',
  })
  @RequirePermission(Permission.MEMBER)
  deleteRejectedUpload(
    @CurrentActor() actor: Actor,
    @Args('versionId', { type: () => ID, description: 'The REJECTED version whose object to delete.' })
    versionId: string,
  ): Promise<DatasetVersion> {
    return this.rejectedUploads.deleteRejectedUpload(actor, versionId);
  }

  @Query(() => [Dataset], {
    description:
      'The catalog: published datasets of every member company (metadata only, never values), and all versions of your own companies’ datasets.',
  })
  @RequirePermission(Permission.MEMBER)
  datasets(
    @CurrentActor() actor: Actor,
    @Args('companySlug', { nullable: true, description: 'Only this company’s datasets.' })
    companySlug?: string,
    @Args('tag', { nullable: true, description: 'Only datasets with this tag.' }) tag?: string,
  ): Promise<Dataset[]> {
    return this.catalog.datasets(actor, { companySlug, tag });
  }

  @Query(() => Dataset, { description: 'One dataset of the catalog.' })
  @RequirePermission(Permission.MEMBER)
  dataset(
    @CurrentActor() actor: Actor,
    @Args('id', { type: () => ID, description: 'Dataset id.' }) id: string,
  ): Promise<Dataset> {
    return this.catalog.dataset(actor, id);
  }

  @Query(() => DatasetVersion, {
    description: 'One dataset version (owners see every state, others PUBLISHED ones).',
  })
  @RequirePermission(Permission.MEMBER)
  datasetVersion(
    @CurrentActor() actor: Actor,
    @Args('id', { type: () => ID, description: 'Version id.' }) id: string,
  ): Promise<DatasetVersion> {
    return this.catalog.datasetVersion(actor, id);
  }
}
