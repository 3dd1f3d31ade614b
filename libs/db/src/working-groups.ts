/** The ten working groups the M.AX alliance launched with; a fresh hub knows them. */
export const WORKING_GROUPS: ReadonlyArray<{ slug: string; nameEn: string; nameKo: string }> = [
  { slug: 'ai-factory', nameEn: 'AI factory', nameKo: 'AI 팩토리' },
  { slug: 'ai-manufacturing-services', nameEn: 'AI manufacturing services', nameKo: 'AI 제조서비스' },
  { slug: 'ai-distribution-logistics', nameEn: 'AI distribution & logistics', nameKo: 'AI 유통·물류' },
  { slug: 'autonomous-vehicles', nameEn: 'Autonomous vehicles', nameKo: '자율주행차' },
  { slug: 'humanoids', nameEn: 'Humanoids', nameKo: '휴머노이드' },
  { slug: 'autonomous-ships', nameEn: 'Autonomous ships', nameKo: '자율운항선박' },
  { slug: 'ai-home-appliances', nameEn: 'AI home appliances', nameKo: 'AI 가전' },
  { slug: 'ai-defense', nameEn: 'AI defense', nameKo: 'AI 방산' },
  { slug: 'ai-bio', nameEn: 'AI bio', nameKo: 'AI 바이오' },
  { slug: 'ai-semiconductors', nameEn: 'AI semiconductors', nameKo: 'AI 반도체' },
];
