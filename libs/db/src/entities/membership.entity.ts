import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
} from 'typeorm';
import { CompanyEntity } from './company.entity';
import { UserEntity } from './user.entity';
import { WorkingGroupEntity } from './working-group.entity';

export const COMPANY_ROLES = ['PUBLISHER', 'LEGAL'] as const;
export type CompanyRole = (typeof COMPANY_ROLES)[number];
export const WORKING_GROUP_ROLES = ['ANALYST', 'LEGAL'] as const;
export type WorkingGroupRole = (typeof WORKING_GROUP_ROLES)[number];

/** A person's role in a company. */
@Entity({ name: 'company_members' })
@Unique('uq_company_members_user_company_role', ['userId', 'companyId', 'role'])
@Check('ck_company_members_role', `"role" IN ('PUBLISHER', 'LEGAL')`)
export class CompanyMemberEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @Column({ name: 'company_id', type: 'uuid' })
  companyId!: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_company_members_user' })
  user?: UserEntity;

  @ManyToOne(() => CompanyEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'company_id', foreignKeyConstraintName: 'fk_company_members_company' })
  company?: CompanyEntity;

  @Column({ type: 'text' })
  role!: CompanyRole;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/** A person's role in a working group. */
@Entity({ name: 'working_group_members' })
@Unique('uq_working_group_members_user_group_role', ['userId', 'workingGroupId', 'role'])
@Check('ck_working_group_members_role', `"role" IN ('ANALYST', 'LEGAL')`)
export class WorkingGroupMemberEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @Column({ name: 'working_group_id', type: 'uuid' })
  workingGroupId!: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_working_group_members_user' })
  user?: UserEntity;

  @ManyToOne(() => WorkingGroupEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'working_group_id', foreignKeyConstraintName: 'fk_working_group_members_group' })
  workingGroup?: WorkingGroupEntity;

  @Column({ type: 'text' })
  role!: WorkingGroupRole;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
