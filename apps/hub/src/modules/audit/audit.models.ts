import { Field, Int, ObjectType } from '@nestjs/graphql';
import { GraphQLJSONObject } from 'graphql-scalars';

@ObjectType({ description: 'One entry of the tamper-evident audit log.' })
export class AuditEntry {
  @Field({ description: 'Position in the chain (1, 2, 3 …), as a string (64-bit).' })
  seq!: string;

  @Field({ description: 'When it happened.' })
  occurredAt!: Date;

  @Field(() => String, { nullable: true, description: 'User who acted (null for the system).' })
  actorUserId!: string | null;

  @Field({ description: 'What happened, e.g. "company.registered", "grant.signed", "query.slice".' })
  action!: string;

  @Field(() => String, { nullable: true, description: 'Company whose data or directory entry it touches.' })
  companyId!: string | null;

  @Field(() => String, { nullable: true, description: 'Working group it touches.' })
  workingGroupId!: string | null;

  @Field({ description: 'Kind of thing acted on.' })
  subjectType!: string;

  @Field(() => String, { nullable: true, description: 'Id of the thing acted on.' })
  subjectId!: string | null;

  @Field(() => GraphQLJSONObject, {
    description: 'Details: ids, counts, hashes and codes only (never data values).',
  })
  details!: Record<string, unknown>;

  @Field({ description: 'SHA-256 of the previous entry (the chain link).' })
  prevHash!: string;

  @Field({ description: 'SHA-256 of this entry: H(prevHash ‖ "\\n" ‖ canonical JSON of the entry).' })
  hash!: string;
}

@ObjectType({ description: 'A page of audit entries, oldest first.' })
export class AuditEntryPage {
  @Field(() => [AuditEntry], { description: 'Entries in sequence order.' })
  entries!: AuditEntry[];

  @Field(() => String, { nullable: true, description: 'Pass as `after` for the next page; null at the end.' })
  nextCursor!: string | null;
}

@ObjectType({ description: 'Result of recomputing the whole audit chain.' })
export class AuditChainVerification {
  @Field({ description: 'True when every entry links to the one before and its hash matches.' })
  ok!: boolean;

  @Field(() => Int, { description: 'Entries verified before the first break (all of them when ok).' })
  entries!: number;

  @Field({
    description: 'Hash of the last verified entry: keep it to detect deletion of newer entries later.',
  })
  lastHash!: string;

  @Field(() => String, { nullable: true, description: 'Sequence number of the first broken entry.' })
  firstBrokenSeq!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Why it is broken (SEQUENCE_GAP, PREV_HASH_MISMATCH, HASH_MISMATCH, …).',
  })
  firstBrokenReason!: string | null;
}
