/**
 * Personal names, in Hangul and in Latin letters. One value rarely tells: 정상 ("normal"),
 * 이상 ("abnormal"), 조립중 ("assembling") and 강판 ("steel plate") all begin with a common
 * surname, and "Parker Hannifin" or "Night Shift" are two capitalized words. So a value is only
 * a candidate, and a column of candidates is flagged when its distinct values also look like a
 * population of people: mostly three syllables, given-name syllables from the names people are
 * given, varied surnames and varied endings (Hangul); a given name from a list of common ones
 * in enough values, and no business or shop-floor word (Latin). See docs/adr/0009.
 */

const words = (s: string): ReadonlySet<string> => new Set(s.trim().split(/\s+/));

/** Common Korean surnames (about 99% of the population; 통계청 2015 census order, roughly). */
const KOREAN_SURNAMES = words(`
  김 이 박 최 정 강 조 윤 장 임 한 오 서 신 권 황 안 송 전 홍 유 류 고 문 양 손 배 백 허 남 심 노
  하 곽 성 차 주 우 구 민 진 지 엄 채 원 천 방 공 현 함 변 염 여 추 도 소 석 선 설 마 길 연 위 표
  명 기 반 라 나 왕 금 옥 육 인 맹 제 모 탁 국 어 은 편 용 예 경 봉 사 부 가 복 태 목 형 피 두 감
  음 빈 동 온 호 범 좌 팽 승 간 상 시 갈 단 견 당 화 창 옹 순 묵 곡 내`);
/** Two-syllable surnames. */
const KOREAN_COMPOUND_SURNAMES = words('남궁 황보 제갈 선우 독고 사공 서문 동방');
/** Syllables of Korean given names (the common ones; a rare syllable only costs one value). */
const KOREAN_GIVEN_SYLLABLES = words(`
  가 각 갑 강 건 걸 겸 경 계 고 곤 공 관 광 교 구 국 군 권 규 균 근 금 기 길 나 난 남 내 녕 노 누
  늘 니 다 단 달 담 대 덕 도 돈 동 두 득 라 란 람 랑 래 량 려 련 렬 령 례 로 록 룡 루 류 륜 률 름
  리 린 림 마 만 명 모 목 무 문 미 민 바 박 반 배 백 범 별 병 보 복 본 봉 부 분 비 빈 빛 사 산 삼
  상 새 샘 생 서 석 선 설 섭 성 세 소 솔 송 수 숙 순 술 숭 슬 승 시 식 신 실 심 아 안 애 야 양 언
  엄 업 여 연 열 엽 영 예 오 옥 온 완 왕 요 용 우 욱 운 울 웅 원 월 위 유 윤 율 융 은 을 음 의 이
  익 인 일 임 자 잔 장 재 전 정 제 조 종 주 준 중 지 진 찬 창 채 천 철 청 초 춘 충 치 탁 태 택 평
  표 풍 필 하 학 한 함 해 향 허 헌 혁 현 형 혜 호 홍 화 환 활 황 효 후 훈 휘 흠 희`);

/** A Hangul value read as surname + given name. */
export interface KoreanName {
  surname: string;
  given: string;
}

/**
 * Reads a Hangul value as a common surname followed by one to three syllables (김민수, 이산,
 * 남궁민, 황보현우). Spaces, digits or other letters: null. Only a candidate; see
 * {@link KoreanNameStats}.
 */
export function parseKoreanName(v: string): KoreanName | null {
  if (v.length < 2 || v.length > 5 || !/^[가-힣]+$/.test(v)) return null;
  const two = v.slice(0, 2);
  if (v.length >= 3 && KOREAN_COMPOUND_SURNAMES.has(two)) return { surname: two, given: v.slice(2) };
  if (v.length <= 4 && KOREAN_SURNAMES.has(v[0])) return { surname: v[0], given: v.slice(1) };
  return null;
}

/** Distinct values remembered per column (the sample is bounded anyway). */
const MAX_DISTINCT = 10_000;

/** Collects a column's Hangul name candidates and judges whether they look like people. */
export class KoreanNameStats {
  /** Candidate values, repeats included. */
  count = 0;
  private readonly distinct = new Map<string, KoreanName>();

  add(value: string, name: KoreanName): void {
    this.count++;
    if (this.distinct.size < MAX_DISTINCT) this.distinct.set(value, name);
  }

  /**
   * At least three distinct candidates, of which most have a two-syllable given name (Korean
   * names do; 정상, 강판 do not), nearly all use common given-name syllables, no one final
   * syllable dominates (…중, …품, …팀 are vocabulary), and the surnames vary.
   */
  looksLikeNames(): boolean {
    const names = [...this.distinct.values()];
    const n = names.length;
    if (n < 3) return false;
    const typical = names.filter((x) => x.given.length === 2).length;
    const common = names.filter((x) => [...x.given].every((s) => KOREAN_GIVEN_SYLLABLES.has(s))).length;
    if (typical < 0.6 * n || common < 0.7 * n) return false;
    const surnames = tally(names.map((x) => x.surname));
    if (surnames.size < (n >= 6 ? 3 : 2)) return false;
    if (n >= 10 && top(surnames) > 0.6 * n) return false;
    const endings = tally(names.map((x) => x.given[x.given.length - 1]));
    return n < 4 || top(endings) <= 0.5 * n;
  }
}

// ---- Latin letters ---------------------------------------------------------------------------

/** Common given names (English-speaking and European), lower case; unambiguous words left out. */
const LATIN_GIVEN_NAMES = words(`
  aaron adam adrian alan albert alex alexander alexandra alexis alice alicia amanda amber amy andrea
  andreas andrew angela anna anne anthony antoine antonio arthur ashley austin barbara benjamin
  beverly billy bobby brandon brenda brian bruce bryan camille carl carlos carmen carol carolyn
  catherine charles charlotte cheryl christian christina christine christopher cynthia daniel
  danielle david deborah debra denise dennis diana diane dmitri donald donna doris dorothy douglas
  dylan edward elena elizabeth emily emma eric ethan eugene evelyn felix frances francesco francis
  frank gabriel gary george gerald giovanni giulia giuseppe gloria gregory hannah hans harold
  heather helen henry hugo isabella ivan jack jacob jacqueline james jane janet janice jason javier
  jean jeffrey jennifer jeremy jerry jesse jessica joan joao joe john jonathan jordan jorge jose
  joseph joshua joyce juan judith judy julia julie jurgen justin karen katherine kathleen kathryn
  kayla keith kelly kenneth kevin kimberly klaus kyle larry laura lauren lawrence lea leon linda
  lisa logan lori louis luca lucas lucia luis lukas madison manon marco margaret maria marie
  marilyn marina mark martha mary matthew megan melissa michael michelle miguel nancy natalia
  natalie nathan nicholas nicolas nicole noah olga olivia pablo pamela patricia patrick paul pedro
  peter philip pierre rachel ralph randy raymond rebecca richard robert roger ronald ruth ryan
  samantha samuel sandra sara sarah scott sean sergei sharon shirley sofia sophia sophie stefan
  stephanie stephen steven susan teresa terry theresa thomas timothy tyler victoria vincent
  virginia walter wayne william willie wolfgang zachary`);
/** Korean surnames as romanized (Revised Romanization and the usual older spellings). */
const ROMAN_KOREAN_SURNAMES = words(`
  kim gim lee yi rhee park pak bak choi choe jung jeong chung kang gang cho jo yoon yun jang chang
  lim im han oh seo suh shin sin kwon gwon hwang ahn song yoo yu ryu hong jeon chun ko moon mun
  yang son sohn bae baek paik heo huh nam noh roh kwak gwak sung seong cha joo woo koo ku min jin
  byun byeon chae won cheon bang kong gong hyun ham yeom pyo eom um seol maeng tak wang seok`);
/** Syllables of romanized Korean given names ("Min-su", "Jieun", "Seo-yeon"). */
const ROMAN_KOREAN_SYLLABLES = words(`
  a ae ah an bae baek beom bin bo bok bong bum byeol byeong byung chae chan chang cheol cheon chul
  chun da dae dam deok do dong du duk eon eun ga gang geon geum gi gil gu guk gun gwang gyeong gyu
  ha hae han hee heon ho hong hoon hun hwa hwan hye hyeon hyo hyuk hyun hyung il in ja jae jang je
  jeong ji jin jo jong joo joon ju jun jung kang ki kook ku kwang kyeong kyu kyung mi min moon mun
  myeong myung na nam ok on ra ram ran ri rin sa sang se seo seok seon seong seul seung sik sin so
  sol song soo sook soon su suk sun sung tae ui uk un ung wan won woo wook woon yang ye yeo yeol
  yeon yeong yi yong yoo yoon young yu yul yun`);
/** Words of company names, places and the shop floor: a value holding one is not a name. */
const NOT_NAME_WORDS = words(`
  ag area assembly average batch bay block body bottom branch center central cell class co code
  company controls corp corporation day dept department die division dock east electric
  electronics engineering evening fail fault front gmbh grade group heavy high hip holdings hull
  inc industries industry international knee left line lot low ltd llc lower machine main
  maintenance max mean medium min model module mold morning motor motors new night normal north
  office old pass paint part parts plant plc press production pump quality rear right robot sa
  sensor shift shop south station status steel sub system systems team technologies technology
  test tool top total type unit upper valve warehouse wear weld west yard zone`);
const PARTICLES = words('van von de da del della di du la le bin al el ter den der dos das');

const NAME_TOKEN = /^(?:\p{Lu}['’]|Mc|Mac)?\p{Lu}\p{Ll}+(?:-\p{Lu}?\p{Ll}+)*$/u;
const CAPS_TOKEN = /^\p{Lu}{2,}(?:-\p{Lu}{2,})?$/u;
const INITIAL = /^\p{Lu}\.?$/u;

/** Whether a word splits into one to three romanized Korean syllables ("minsu", "min-su"). */
function romanKoreanGiven(word: string): boolean {
  const parts = word.split('-');
  if (parts.length > 2) return false;
  const split = (w: string, left: number): boolean => {
    if (w.length === 0) return true;
    if (left === 0) return false;
    for (let i = Math.min(6, w.length); i >= 1; i--) {
      if (ROMAN_KOREAN_SYLLABLES.has(w.slice(0, i)) && split(w.slice(i), left - 1)) return true;
    }
    return false;
  };
  return parts.length === 2 ? parts.every((p) => split(p, 1)) : split(parts[0], 3);
}

/** A value that has the shape of a Latin-letter name; `evidenced` when a token is a known name. */
export interface LatinName {
  evidenced: boolean;
}

/**
 * Reads "First [Middle] Last", "Last, First", "J. Smith", "KIM MINSU" or "Kim Min-su": two to
 * four capitalized words (particles like "van" allowed), no word of a company or the shop
 * floor. Evidenced when one word is a common given name, or a romanized Korean surname stands
 * with a romanized Korean given name. Null when not name-shaped.
 */
export function parseLatinName(v: string): LatinName | null {
  if (v.length < 4 || v.length > 60 || !/^[\p{L} .,'’-]+$/u.test(v)) return null;
  const comma = v.split(',');
  if (comma.length > 2) return null;
  const tokens = comma.flatMap((part) => part.trim().split(' '));
  if (tokens.length < 2 || tokens.length > 4) return null;
  let named = 0;
  let initials = 0;
  for (const t of tokens) {
    if (PARTICLES.has(t)) continue;
    if (INITIAL.test(t)) initials++;
    else if ((NAME_TOKEN.test(t) || CAPS_TOKEN.test(t)) && !NOT_NAME_WORDS.has(t.toLowerCase())) named++;
    else return null;
  }
  if (named === 0 || named + initials < 2) return null;
  return { evidenced: evidence(tokens) };
}

function evidence(tokens: readonly string[]): boolean {
  const lower = tokens.map((t) => t.toLowerCase().replace(/['’.]/g, ''));
  if (lower.some((t) => LATIN_GIVEN_NAMES.has(t))) return true;
  const surname = lower.findIndex((t) => ROMAN_KOREAN_SURNAMES.has(t));
  return surname >= 0 && lower.some((t, i) => i !== surname && romanKoreanGiven(t));
}

/** Collects a column's Latin name candidates and judges whether they look like people. */
export class LatinNameStats {
  /** Name-shaped values, repeats included. */
  count = 0;
  /** Of those, values with a known given name (or a romanized Korean name). */
  evidenced = 0;
  private readonly distinct = new Set<string>();

  add(value: string, name: LatinName): void {
    this.count++;
    if (name.evidenced) this.evidenced++;
    if (this.distinct.size < MAX_DISTINCT) this.distinct.add(value);
  }

  /**
   * At least three distinct name-shaped values, and known names in at least 40% of all the
   * column's non-null values (lists never hold every name; 40% is far above what product,
   * place or company names reach).
   */
  looksLikeNames(nonNull: number): boolean {
    return this.distinct.size >= 3 && this.evidenced >= 0.4 * nonNull;
  }
}

function tally(xs: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
}

function top(m: ReadonlyMap<string, number>): number {
  let best = 0;
  for (const n of m.values()) best = Math.max(best, n);
  return best;
}
