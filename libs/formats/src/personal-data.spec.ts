import {
  detectPersonalData,
  isBankAccountNumber,
  isCardNumber,
  isEmailAddress,
  isPhoneNumber,
  luhnValid,
  readRegistrationNumber,
} from './personal-data';

const asOf = new Date('2026-06-01T00:00:00Z');
const detect = (values: Array<string | null>) => detectPersonalData(values, { asOf });

/** A registration number with its check digit (residents' formula, or foreigners' 13 − …). */
function registration(yymmdd: string, g: number, serial: string, foreign = false): string {
  const d = `${yymmdd}${g}${serial}`;
  const w = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5];
  const sum = [...d].reduce((s, c, i) => s + Number(c) * w[i], 0);
  return `${yymmdd}-${g}${serial}${((foreign ? 13 : 11) - (sum % 11)) % 10}`;
}

/** A Luhn-valid number from a prefix, `length` digits long. */
function card(prefix: string, length: number, seed: number): string {
  let body = prefix;
  let x = seed;
  while (body.length < length - 1) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    body += String(x % 10);
  }
  for (let c = 0; c < 10; c++) if (luhnValid(body + c)) return body + c;
  throw new Error('unreachable');
}

/** A small deterministic generator for test columns. */
function rng(seed: number) {
  let s = seed;
  return (n: number) => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s % n;
  };
}
const pad = (n: number, w: number) => String(n).padStart(w, '0');

const KOREAN_NAMES = [
  '김민수',
  '이영희',
  '박철수',
  '최지우',
  '정우성',
  '강동원',
  '조인성',
  '윤아름',
  '장서연',
  '임하준',
  '한지민',
  '오세훈',
  '서지훈',
  '신민아',
  '권상우',
  '황정민',
  '안성기',
  '송혜교',
  '전도연',
  '홍길동',
  '유재석',
  '고아라',
  '문채원',
  '양세종',
  '손예진',
  '배수지',
  '백종원',
  '허준호',
  '남주혁',
  '심은하',
  '노홍철',
  '하정우',
  '곽도원',
  '성시경',
  '차은우',
  '주지훈',
  '우도환',
  '구혜선',
  '민효린',
  '엄정화',
  '남궁민',
  '황보라',
  '선우은숙',
  '독고영재',
  '이산',
  '김구',
];
const LATIN_NAMES = [
  'James Smith',
  'Mary Johnson',
  'Robert Brown',
  'Patricia Garcia',
  'Michael Miller',
  'Linda Davis',
  'Smith, John',
  'Kim Min-su',
  'Lee Ji-eun',
  'Park Seoyeon',
  'J. Doe',
  "Sean O'Neil",
  'Anna van Dijk',
  'Jean-Luc Picard',
  'KIM MINSU',
  'Choi Jiwoo',
  'Elizabeth Taylor',
  'David Lee',
];

describe('readRegistrationNumber', () => {
  it.each([
    registration('900101', 1, '23456'),
    registration('851231', 2, '00017'),
    registration('040229', 4, '12345').replace('-', ''),
    registration('000101', 3, '98765').replace('-', ' '),
  ])('reads %s as a resident-registration number with a check digit', (v) => {
    expect(readRegistrationNumber(v, asOf)).toMatchObject({
      kind: 'RESIDENT_REGISTRATION_NUMBER',
      checked: true,
    });
  });

  it('reads foreign-registration numbers (sex digit 5–8) with either check formula', () => {
    expect(readRegistrationNumber(registration('880514', 5, '12345', true), asOf)).toMatchObject({
      kind: 'FOREIGN_REGISTRATION_NUMBER',
      checked: true,
    });
    expect(readRegistrationNumber(registration('010203', 8, '45678'), asOf)).toMatchObject({
      kind: 'FOREIGN_REGISTRATION_NUMBER',
      checked: true,
    });
  });

  it('accepts a number without a valid check digit only for a birth from October 2020 on', () => {
    expect(readRegistrationNumber('210315-3123456', asOf)).toMatchObject({ checked: false, odd: true });
    expect(readRegistrationNumber('201001-4000001', asOf)).toMatchObject({ checked: false, odd: false });
    const good = registration('900101', 1, '23456');
    const bad = good.slice(0, -1) + String((Number(good.slice(-1)) + 1) % 10);
    expect(readRegistrationNumber(bad, asOf)).toBeNull();
    expect(readRegistrationNumber('200930-3123456', asOf)).toBeNull(); // the day before, wrong digit
  });

  it.each([
    ['an impossible day', registration('900230', 1, '23456')],
    ['month 13', registration('901301', 1, '23456')],
    ['a birth after today', registration('270101', 3, '23456')],
    ['a 1900s sex digit on 29 February 1900', registration('000229', 1, '23456')],
    ['sex digit 9 (1800s)', '900101-9234567'],
    ['sex digit 0', '900101-0234567'],
    ['a dash in the wrong place', '90010-11234567'],
    ['12 digits', '900101-123456'],
  ])('refuses %s', (_, v) => {
    expect(readRegistrationNumber(v, asOf)).toBeNull();
  });
});

describe('isPhoneNumber', () => {
  it.each([
    '010-1234-5678',
    '01098765432',
    '011-123-4567',
    '016-1234-5678',
    '02-123-4567',
    '02-1234-5678',
    '0212345678',
    '(031) 123-4567',
    '031.123.4567',
    '051 234 5678',
    '070-1234-5678',
    '+82 10-1234-5678',
    '+82-2-123-4567',
    '+82 (0)10 1234 5678',
    '+821012345678',
    '+1 415 555 0100',
    '+44 20 7123 4567',
    '+8613812345678',
  ])('matches %s', (v) => expect(isPhoneNumber(v)).toBe(true));

  it.each([
    '1588-1234',
    '2025-01-05',
    '123-4567',
    '010-123-4567',
    '02-12-3456',
    '010-1234-567',
    '080-123-4567',
    '+1.5',
    '+12345',
    '0.3125',
    '12:30:45',
    'OP-000123',
    '1736089200',
    '020-1234-5678',
    '+82 99-1234-5678',
    '010--1234-5678',
  ])('does not match %s', (v) => expect(isPhoneNumber(v)).toBe(false));
});

describe('isEmailAddress', () => {
  it.each(['kim.minsu@hanbit-motors.co.kr', 'a+tag@example.com', 'x_y@sub.example.io', 'me@xn--3e0b707e.kr'])(
    'matches %s',
    (v) => expect(isEmailAddress(v)).toBe(true),
  );
  it.each(['user@localhost', 'a@b', '@example.com', 'name(at)example.com', 'a@b.c', 'a@@b.com', 'a@.com'])(
    'does not match %s',
    (v) => expect(isEmailAddress(v)).toBe(false),
  );
});

describe('isCardNumber', () => {
  it.each([
    '4111111111111111',
    '4111 1111 1111 1111',
    '4111-1111-1111-1111',
    '5555555555554444',
    '2223003122003222',
    '378282246310005',
    '3782 822463 10005',
    '6011111111111117',
    '3530111333300000',
    '30569309025904',
    card('62', 16, 1),
    card('9410', 16, 2),
  ])('matches %s', (v) => expect(isCardNumber(v)).toBe(true));

  it.each([
    ['a bad Luhn digit', '4111111111111112'],
    ['an IMEI (15 digits, Visa prefix)', '490154203237518'],
    ['an unknown issuer', card('1', 16, 3)],
    ['mixed separators', '4111 1111-1111 1111'],
    ['an odd grouping', '41111 11111 111111'],
    ['too short', '411111111111'],
  ])('does not match %s', (_, v) => expect(isCardNumber(v)).toBe(false));
});

describe('isBankAccountNumber', () => {
  it.each([
    '110-123-456789',
    '1002-123-456789',
    '123456-78-901234',
    '3333-01-1234567',
    '301-1234-5678-91',
    '123-456789-12345',
    '123-456789-01-012',
    '123-45-6789-012',
  ])('matches %s', (v) => expect(isBankAccountNumber(v)).toBe(true));

  it.each([
    ['a date-coded lot (YYMMDD first)', '250105-01-000123'],
    ['a year-first lot', '2025-001-123456'],
    ['a phone number', '010-1234-5678'],
    ['too short', '12-345-67'],
    ['undashed', '110123456789'],
    ['an unknown layout', '12-3456-7890-12'],
  ])('does not match %s', (_, v) => expect(isBankAccountNumber(v)).toBe(false));
});

describe('detectPersonalData: personal columns', () => {
  const next = rng(7);
  const column = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i));

  it('flags resident-registration numbers, with share, threshold and sample size', () => {
    const values = column(200, (i) =>
      registration(
        `${pad(60 + next(40), 2)}${pad(1 + next(12), 2)}${pad(1 + next(28), 2)}`,
        1 + (i % 2),
        pad(next(100000), 5),
      ),
    );
    expect(detect(values)).toEqual({
      kind: 'RESIDENT_REGISTRATION_NUMBER',
      share: 1,
      threshold: 0.5,
      sampledValues: 200,
    });
  });

  it('flags a mixed workforce as resident registration, foreigners as foreign registration', () => {
    const residents = column(90, (i) =>
      registration(`7${next(10)}0${1 + next(9)}1${next(9)}`, 1 + (i % 2), pad(next(1e5), 5)),
    );
    const foreigners = column(30, (i) =>
      registration(`8${next(10)}0${1 + next(9)}1${next(9)}`, 5 + (i % 2), pad(next(1e5), 5), true),
    );
    expect(detect([...residents, ...foreigners])?.kind).toBe('RESIDENT_REGISTRATION_NUMBER');
    expect(detect(foreigners)?.kind).toBe('FOREIGN_REGISTRATION_NUMBER');
  });

  it('flags post-2020 numbers without check digits when both sexes appear', () => {
    const values = column(
      50,
      (i) => `2${1 + next(5)}0${1 + next(9)}1${next(9)}-${3 + (i % 2)}${pad(next(1e6), 6)}`,
    );
    expect(detect(values)).toMatchObject({ kind: 'RESIDENT_REGISTRATION_NUMBER', threshold: 0.8 });
  });

  it('flags phone numbers, e-mail addresses, cards and bank accounts', () => {
    expect(detect(column(100, () => `010-${pad(next(1e4), 4)}-${pad(next(1e4), 4)}`))?.kind).toBe(
      'PHONE_NUMBER',
    );
    expect(detect(column(100, (i) => `+82 10-${pad(next(1e4), 4)}-${pad(i, 4)}`))?.kind).toBe('PHONE_NUMBER');
    expect(detect(column(100, (i) => `worker${i}@hanbit-motors.co.kr`))?.kind).toBe('EMAIL_ADDRESS');
    expect(detect(column(100, (i) => card('4', 16, i)))?.kind).toBe('CARD_NUMBER');
    expect(detect(column(100, () => `110-${pad(next(1000), 3)}-${pad(next(1e6), 6)}`))?.kind).toBe(
      'BANK_ACCOUNT_NUMBER',
    );
  });

  it('flags Korean names and Latin names', () => {
    expect(detect(KOREAN_NAMES)).toMatchObject({ kind: 'KOREAN_NAME', share: 1, threshold: 0.8 });
    expect(detect(LATIN_NAMES)).toMatchObject({ kind: 'LATIN_NAME', threshold: 0.8 });
    // Operators repeat over a log: a few people, many rows.
    expect(detect(column(1000, (i) => KOREAN_NAMES[i % 12]))?.kind).toBe('KOREAN_NAME');
    expect(detect(['김민수', '이영희', '박철수'])?.kind).toBe('KOREAN_NAME');
  });

  it('counts neither empty cells nor placeholders, but does count other values against the share', () => {
    const phones = column(60, () => `010-${pad(next(1e4), 4)}-${pad(next(1e4), 4)}`);
    expect(
      detect([
        ...phones,
        ...Array<string | null>(60).fill(null),
        ...Array(20).fill('-'),
        ...Array(20).fill('없음'),
      ]),
    ).toMatchObject({ kind: 'PHONE_NUMBER', share: 1, sampledValues: 60 });
    expect(detect([...phones.slice(0, 30), ...column(30, (i) => `note ${i}`)])).toBeNull();
  });

  it('flags a contact column mixing phones and e-mail addresses as its commonest kind', () => {
    const phones = column(55, () => `010-${pad(next(1e4), 4)}-${pad(next(1e4), 4)}`);
    const mails = column(45, (i) => `w${i}@example.com`);
    expect(detect([...phones, ...mails])).toMatchObject({ kind: 'PHONE_NUMBER', share: 1, threshold: 0.8 });
  });

  it('normalizes full-width digits and trims', () => {
    expect(detect(column(20, () => ` ０１０－${pad(next(1e4), 4)}－${pad(next(1e4), 4)} `))?.kind).toBe(
      'PHONE_NUMBER',
    );
  });

  it('answers null for an empty column', () => {
    expect(detect([])).toBeNull();
    expect(detect([null, '', '  '])).toBeNull();
  });
});

describe('detectPersonalData: manufacturing columns are not flagged', () => {
  const next = rng(11);
  const column = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i));
  const ean13 = (body12: string) => {
    const s = [...body12].reduce((a, c, i) => a + Number(c) * (i % 2 ? 3 : 1), 0);
    return body12 + ((10 - (s % 10)) % 10);
  };

  it.each<[string, string[]]>([
    ['plant codes', column(300, () => ['Ulsan-1', 'Asan-2', 'Gwangju-3'][next(3)])],
    ['Korean plant names', column(300, () => ['울산 1공장', '아산 2공장', '광주 3공장'][next(3)])],
    ['line ids', column(300, () => `BIW-L${1 + next(4)}`)],
    ['station ids', column(300, () => `ST-${pad(1 + next(12), 2)}`)],
    ['operator ids', column(300, () => `OP-${pad(100 + next(2500), 6)}`)],
    ['machine serials', column(300, () => `HB-WLD-${2288 + next(3)}-${pad(next(500), 4)}`)],
    ['ISO timestamps', column(300, (i) => new Date(Date.UTC(2025, 0, 5) + i * 7919_000).toISOString())],
    [
      'space-separated timestamps',
      column(300, (i) =>
        new Date(Date.UTC(2025, 0, 5) + i * 7919_000).toISOString().replace('T', ' ').slice(0, 19),
      ),
    ],
    ['dates', column(300, (i) => new Date(Date.UTC(2024, 0, 2) + i * 86_400_000).toISOString().slice(0, 10))],
    [
      'compact dates',
      column(300, (i) =>
        new Date(Date.UTC(2024, 0, 2) + i * 86_400_000).toISOString().slice(0, 10).replace(/-/g, ''),
      ),
    ],
    ['epoch milliseconds', column(300, (i) => String(1736089200000 + i * 1000))],
    ['epoch seconds', column(300, (i) => String(1736089200 + i * 3))],
    ['decimal measurements', column(300, () => (200 + next(4000) / 100).toFixed(2))],
    ['integer counters', column(300, (i) => String(i * 73 + next(50)))],
    ['16-digit serials', column(300, () => `4${pad(next(1e8), 8)}${pad(next(1e7), 7)}`)],
    ['13-digit serials', column(300, () => `${1 + next(9)}${pad(next(1e6), 6)}${pad(next(1e6), 6)}`)],
    ['EAN-13 barcodes', column(300, () => ean13(`880${pad(next(1e5), 5)}${pad(next(1e4), 4)}`))],
    ['IMEIs', column(300, (i) => card('35', 15, i))],
    [
      'date-coded lots with a constant line digit',
      column(300, () => `2${next(5) + 1}0${1 + next(9)}1${next(9)}3${pad(next(1e6), 6)}`),
    ],
    [
      'date-coded lots with any next digit',
      column(300, () => `2${next(5) + 1}0${1 + next(9)}1${next(9)}${next(10)}${pad(next(1e6), 6)}`),
    ],
    [
      'dashed date-coded lots',
      column(300, () => `250${1 + next(9)}1${next(9)}-${pad(next(100), 2)}-${pad(next(1e6), 6)}`),
    ],
    ['LOT numbers', column(300, (i) => `LOT-20250105-${pad(i, 4)}`)],
    [
      'part numbers',
      column(300, () => `${84710 + next(50)}-${pad(next(100), 2)}${['S', 'A', 'B'][next(3)]}000`),
    ],
    [
      'hull and block ids',
      column(300, () => `B${3100 + next(50)}-${String.fromCharCode(65 + next(26))}${pad(next(200), 3)}`),
    ],
    [
      'MAC addresses',
      column(300, () => Array.from({ length: 6 }, () => pad(next(256), 3).slice(1)).join(':')),
    ],
    ['IP addresses', column(300, () => `192.168.${next(255)}.${next(255)}`)],
    [
      'UUIDs',
      column(
        300,
        () =>
          `${pad(next(1e8), 8)}-${pad(next(1e4), 4)}-4${pad(next(1e3), 3)}-a${pad(next(1e3), 3)}-${pad(next(1e12), 12)}`,
      ),
    ],
    ['version strings', column(300, () => `${next(10)}.${next(30)}.${next(200)}`)],
    ['shift letters', column(300, () => 'ABC'[next(3)])],
    ['booleans', column(300, () => (next(2) ? 'true' : 'false'))],
    [
      'failure modes',
      column(
        300,
        () => ['bearing_wear', 'overheat', 'encoder_fault', 'gear_backlash', '감속기 손상'][next(5)],
      ),
    ],
    ['joint names', column(300, () => ['left_hip', 'right_knee', 'waist', 'left_shoulder'][next(4)])],
    ['Korean status words', column(300, () => ['정상', '이상', '점검'][next(3)])],
    ['Korean machine states', column(300, () => ['가동중', '정지중', '점검중', '대기중', '정비중'][next(5)])],
    [
      'Korean defect types',
      column(
        300,
        () => ['기포', '균열', '변형', '용접불량', '도장불량', '스크래치', '찍힘', '이물'][next(8)],
      ),
    ],
    [
      'Korean departments',
      column(300, () => ['생산팀', '품질팀', '설비팀', '구매팀', '물류팀', '안전팀'][next(6)]),
    ],
    ['Korean shifts', column(300, () => ['주간', '야간', '오전', '오후'][next(4)])],
    ['Korean product grades', column(300, () => ['정상품', '불량품', '재작업', '양품', '보류'][next(5)])],
    [
      'Korean cities',
      column(
        300,
        () => ['서울', '부산', '대구', '인천', '광주', '대전', '울산', '수원', '창원', '거제'][next(10)],
      ),
    ],
    [
      'Korean processes',
      column(
        300,
        () => ['조립', '도장', '용접', '검사', '포장', '출하', '입고', '강판', '주조', '단조'][next(10)],
      ),
    ],
    [
      'Korean equipment',
      column(
        300,
        () => ['연마기', '절단기', '용접기', '도장기', '건조기', '세척기', '성형기', '사출기'][next(8)],
      ),
    ],
    [
      'Korean job titles',
      column(300, () => ['반장', '조장', '사원', '대리', '과장', '차장', '부장', '이사'][next(8)]),
    ],
    [
      'Korean car models',
      column(
        300,
        () =>
          ['소나타', '아반떼', '그랜저', '투싼', '싼타페', '쏘렌토', '카니발', '모닝', '제네시스'][next(9)],
      ),
    ],
    [
      'Korean colours',
      column(300, () => ['흰색', '검정', '빨강', '파랑', '노랑', '회색', '은색', '남색'][next(8)]),
    ],
    [
      'Title Case failure modes',
      column(
        300,
        () => ['Bearing Wear', 'Encoder Fault', 'Gear Backlash', 'Seal Leak', 'Motor Overheat'][next(5)],
      ),
    ],
    [
      'supplier names',
      column(
        300,
        () =>
          [
            'Hyundai Steel',
            'Posco International',
            'Parker Hannifin',
            'Bosch Rexroth',
            'Johnson Controls',
            'Lincoln Electric',
            'Fanuc Robotics',
            'Siemens Energy',
            'Dana Incorporated',
            'Eaton Corporation',
          ][next(10)],
      ),
    ],
    [
      'city names',
      column(
        300,
        () => ['San Jose', 'Los Angeles', 'New York', 'Las Vegas', 'San Diego', 'Santa Clara'][next(6)],
      ),
    ],
    ['free-text notes', column(300, (i) => `checked torque on station ${i % 12}, within limits`)],
  ])('%s', (_, values) => {
    expect(detect(values)).toBeNull();
  });
});

describe('detectPersonalData: what each name guard stops', () => {
  it.each<[string, string[]]>([
    [
      'two-syllable words that begin with a surname (정상, 강판…)',
      [
        '정상',
        '이상',
        '강판',
        '조립',
        '양품',
        '한국',
        '전기',
        '오전',
        '신규',
        '장비',
        '임시',
        '안전',
        '유압',
        '문제',
      ],
    ],
    [
      'three-syllable words sharing an ending (…중)',
      ['가동중', '정지중', '정비중', '이송중', '유지중', '한정중'],
    ],
    [
      'three-syllable words of rare given-name syllables',
      ['정밀도', '강도값', '조도계', '표면력', '경도차', '이송량', '임계점', '전류값', '전압값', '유량계'],
    ],
    ['fewer than three distinct names', ['김민수', '이영희', '김민수', '이영희']],
    [
      'capitalized words without a known given name',
      ['Alpha Bravo', 'Charlie Delta', 'Echo Foxtrot', 'Golf Hotel'],
    ],
    [
      'names of things holding a shop-floor word',
      ['Victoria Line', 'Grace Bay', 'Jordan Valve', 'Anna Station'],
    ],
    ['lower-case phrases', ['john smith', 'mary johnson', 'robert brown', 'linda davis']],
  ])('does not flag %s', (_, values) => {
    expect(detectPersonalData(values)).toBeNull();
  });

  it('reads names decomposed into jamo (NFD, as macOS writes them)', () => {
    expect(detectPersonalData(KOREAN_NAMES.map((n) => n.normalize('NFD')))?.kind).toBe('KOREAN_NAME');
  });

  it('needs most values to be names: a name column with many other values is not flagged', () => {
    const other = Array.from({ length: 30 }, (_, i) => `ST-${i}`);
    expect(detectPersonalData([...KOREAN_NAMES, ...other])).toBeNull();
    expect(detectPersonalData([...KOREAN_NAMES, ...other.slice(0, 5)])?.kind).toBe('KOREAN_NAME');
  });
});
