import type { CompanyRole, WorkingGroupRole } from '@maxhub/db';
import { AccessService, type PartyRule } from './access.service';
import type { Actor } from './actor';

function actor(
  companies: Record<string, CompanyRole[]> = {},
  workingGroups: Record<string, WorkingGroupRole[]> = {},
  isAdmin = false,
): Actor {
  return {
    userId: 'u',
    email: 'u@example.test',
    displayName: 'U',
    isAdmin,
    tokenId: 't',
    companies: new Map(Object.entries(companies).map(([id, roles]) => [id, new Set(roles)])),
    workingGroups: new Map(Object.entries(workingGroups).map(([id, roles]) => [id, new Set(roles)])),
  };
}

describe('AccessService.standing (a resource a company and a working group share)', () => {
  const access = new AccessService();
  const parties = { companyId: 'co-1', workingGroupId: 'wg-1' };
  const legal: PartyRule = { company: ['LEGAL'], workingGroup: ['LEGAL'] };

  it('allows a counted role on either side', () => {
    expect(access.standing(actor({ 'co-1': ['LEGAL'] }), parties, legal)).toBe('ALLOWED');
    expect(access.standing(actor({}, { 'wg-1': ['LEGAL'] }), parties, legal)).toBe('ALLOWED');
  });

  it('calls a member of a side without a counted role MEMBER, and a member of neither OUTSIDER', () => {
    expect(access.standing(actor({ 'co-1': ['PUBLISHER'] }), parties, legal)).toBe('MEMBER');
    expect(access.standing(actor({ 'co-2': ['LEGAL'] }, { 'wg-2': ['LEGAL'] }), parties, legal)).toBe(
      'OUTSIDER',
    );
  });

  it("counts 'ANY' as any role held", () => {
    expect(access.standing(actor({ 'co-1': ['PUBLISHER'] }), parties, { company: 'ANY' })).toBe('ALLOWED');
  });

  it('counts only the sides the rule names', () => {
    const analysts: PartyRule = { workingGroup: ['ANALYST'] };
    expect(access.standing(actor({ 'co-1': ['LEGAL'] }), parties, analysts)).toBe('OUTSIDER');
    expect(access.standing(actor({}, { 'wg-1': ['LEGAL'] }), parties, analysts)).toBe('MEMBER');
    expect(access.standing(actor({}, { 'wg-1': ['ANALYST'] }), { workingGroupId: 'wg-1' }, analysts)).toBe(
      'ALLOWED',
    );
  });

  it('lets operators pass only when the rule says so', () => {
    const operator = actor({}, {}, true);
    expect(access.standing(operator, parties, { ...legal, adminPasses: true })).toBe('ALLOWED');
    expect(access.standing(operator, parties, legal)).toBe('OUTSIDER');
  });
});
