/**
 * The synthetic dataset kinds: realistic manufacturing logs with plausible correlations, each
 * with its columns, suggested column classification and a description.
 */
import type { ColumnSchema, Row } from '@maxhub/formats';
import { Prng } from './prng';

/** The kinds of synthetic datasets. */
export const SYNTHETIC_KINDS = ['weld-line', 'ship-block-inspection', 'humanoid-actuator'] as const;
/** One of {@link SYNTHETIC_KINDS}. */
export type SyntheticKind = (typeof SYNTHETIC_KINDS)[number];

/** A kind's definition. */
export interface KindDefinition {
  kind: SyntheticKind;
  description: string;
  /** Columns in order, with the suggested classification. */
  columns: ColumnSchema[];
  /** Lazily generates `rows` rows from the PRNG. */
  rows(rng: Prng, rows: number): Generator<Row>;
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');
const round = (x: number, digits: number): number => Number(x.toFixed(digits));
const iso = (ms: number): string => new Date(ms).toISOString();
const KST = 9 * 3600_000;

function col(
  name: string,
  type: ColumnSchema['type'],
  cls: ColumnSchema['class'],
  nullable = false,
): ColumnSchema {
  return { name, type, class: cls, nullable };
}

const PLANTS = [
  { code: 'Ulsan-1', ko: '울산 1공장' },
  { code: 'Asan-2', ko: '아산 2공장' },
  { code: 'Gwangju-3', ko: '광주 3공장' },
] as const;

const weldLine: KindDefinition = {
  kind: 'weld-line',
  description:
    'Sensor log of robotic body-in-white weld lines in three Korean car plants: one row per weld, ' +
    'second-resolution UTC timestamps, welding parameters and a defect flag. Defects are likelier ' +
    'at high temperature, on night shift and for a few operators.',
  columns: [
    col('timestamp', 'timestamp', 'QUASI_IDENTIFIER'),
    col('plant', 'string', 'QUASI_IDENTIFIER'),
    col('plant_name', 'string', 'QUASI_IDENTIFIER'),
    col('line', 'string', 'QUASI_IDENTIFIER'),
    col('station', 'string', 'OTHER'),
    col('operator_id', 'string', 'DIRECT_IDENTIFIER'),
    col('machine_serial', 'string', 'DIRECT_IDENTIFIER'),
    col('shift', 'string', 'QUASI_IDENTIFIER'),
    col('weld_current_a', 'decimal', 'TRADE_SECRET'),
    col('voltage_v', 'decimal', 'TRADE_SECRET'),
    col('wire_feed_m_min', 'decimal', 'TRADE_SECRET'),
    col('temperature_c', 'decimal', 'OTHER'),
    col('defect', 'boolean', 'SENSITIVE'),
  ],
  *rows(rng, rows) {
    const operators = Array.from({ length: 360 }, (_, i) => ({
      id: `OP-${pad(100 + i * 7 + rng.int(7), 6)}`,
      plant: i % 3,
      risk: rng.chance(0.06) ? 0.04 : 0,
    }));
    const byPlant = [0, 1, 2].map((p) => operators.filter((o) => o.plant === p));
    // A fixed start (a Monday 00:00 KST) shifted by up to ~90 days by the seed.
    let t = Date.UTC(2025, 0, 5, 15, 0, 0) + rng.int(90) * 86_400_000;
    const setpoint = [rng.normal(218, 4), rng.normal(224, 4), rng.normal(221, 4)];
    for (let i = 0; i < rows; i++) {
      t += 1000 * (1 + rng.int(3));
      const p = rng.int(3);
      const plant = PLANTS[p];
      const lineNo = 1 + rng.int(4);
      const stationNo = 1 + rng.int(12);
      const hourKst = new Date(t + KST).getUTCHours();
      const shift = hourKst >= 6 && hourKst < 14 ? 'A' : hourKst >= 14 && hourKst < 22 ? 'B' : 'C';
      const op = rng.pick(byPlant[p]);
      const current = rng.normal(setpoint[p], 9);
      const voltage = rng.normal(24.5 + (current - 220) * 0.02, 0.8);
      const feed = rng.normal(8.4 + (current - 220) * 0.01, 0.4);
      const temp = rng.normal(340 + (current - 220) * 2.2 + (shift === 'C' ? 6 : 0), 18);
      const pDefect = 0.008 + Math.max(0, (temp - 360) / 40) * 0.05 + op.risk + (shift === 'C' ? 0.004 : 0);
      yield {
        timestamp: iso(t),
        plant: plant.code,
        plant_name: plant.ko,
        line: `BIW-L${lineNo}`,
        station: `ST-${pad(stationNo, 2)}`,
        operator_id: op.id,
        machine_serial: `HB-WLD-${2288 + p}-${pad(lineNo * 100 + stationNo, 4)}`,
        shift,
        weld_current_a: round(current, 1),
        voltage_v: round(voltage, 2),
        wire_feed_m_min: round(feed, 2),
        temperature_c: round(temp, 1),
        defect: rng.chance(pDefect),
      };
    }
  },
};

const YARDS = ['거제 조선소', '울산 조선소', '목포 조선소'] as const;

const shipBlock: KindDefinition = {
  kind: 'ship-block-inspection',
  description:
    'Block-inspection records of three Korean shipyards: one row per hull block inspection with ' +
    'weld length, ultrasonic-test defects, paint thickness and the pass/fail verdict. Yard names ' +
    'are in Korean. Long welds and thin paint fail more often.',
  columns: [
    col('block_id', 'string', 'DIRECT_IDENTIFIER'),
    col('hull_no', 'string', 'QUASI_IDENTIFIER'),
    col('inspector_id', 'string', 'DIRECT_IDENTIFIER'),
    col('yard', 'string', 'QUASI_IDENTIFIER'),
    col('dock', 'string', 'QUASI_IDENTIFIER'),
    col('inspection_date', 'date', 'QUASI_IDENTIFIER'),
    col('weld_length_mm', 'integer', 'TRADE_SECRET'),
    col('ut_defects', 'integer', 'SENSITIVE'),
    col('paint_thickness_um', 'decimal', 'TRADE_SECRET'),
    col('passed', 'boolean', 'SENSITIVE'),
  ],
  *rows(rng, rows) {
    const inspectors = Array.from({ length: 120 }, (_, i) => `QI-${pad(400 + i * 3 + rng.int(3), 5)}`);
    let day = Date.UTC(2024, 0, 2) + rng.int(200) * 86_400_000;
    let hull = 3100 + rng.int(50);
    let block = 0;
    for (let i = 0; i < rows; i++) {
      if (rng.chance(0.02)) day += 86_400_000;
      if (++block > 180 + rng.int(40)) {
        hull++;
        block = 1;
      }
      const y = hull % 3;
      const weld = Math.round(rng.normal(42_000, 9_000));
      const paint = rng.normal(310, 28);
      const defects = Math.max(0, Math.round(rng.normal(weld / 40_000, 1.1) + (rng.chance(0.03) ? 4 : 0)));
      const passed = defects <= 2 && paint >= 255 && !rng.chance(0.01);
      yield {
        block_id: `B${hull}-${String.fromCharCode(65 + (block % 26))}${pad(block, 3)}`,
        hull_no: `H-${hull}`,
        inspector_id: rng.pick(inspectors),
        yard: YARDS[y],
        dock: `D${1 + rng.int(3)}`,
        inspection_date: iso(day).slice(0, 10),
        weld_length_mm: Math.max(500, weld),
        ut_defects: defects,
        paint_thickness_um: round(paint, 1),
        passed,
      };
    }
  },
};

const JOINTS = [
  'left_hip',
  'right_hip',
  'left_knee',
  'right_knee',
  'left_ankle',
  'right_ankle',
  'left_shoulder',
  'right_shoulder',
  'waist',
] as const;
const FAILURES = ['bearing_wear', 'overheat', 'encoder_fault', 'gear_backlash', '감속기 손상'] as const;

const humanoid: KindDefinition = {
  kind: 'humanoid-actuator',
  description:
    'Endurance test log of humanoid-robot joint actuators: torque, temperature and cumulative ' +
    'cycles per test step; failure_mode is empty unless the actuator failed (overheating and ' +
    'wear rise with cycles and temperature).',
  columns: [
    col('test_id', 'string', 'DIRECT_IDENTIFIER'),
    col('robot_serial', 'string', 'DIRECT_IDENTIFIER'),
    col('joint', 'string', 'QUASI_IDENTIFIER'),
    col('technician_id', 'string', 'DIRECT_IDENTIFIER'),
    col('ts', 'timestamp', 'QUASI_IDENTIFIER'),
    col('torque_nm', 'decimal', 'TRADE_SECRET'),
    col('temperature_c', 'decimal', 'OTHER'),
    col('cycles', 'integer', 'OTHER'),
    col('failure_mode', 'string', 'SENSITIVE', true),
  ],
  *rows(rng, rows) {
    const techs = Array.from({ length: 40 }, (_, i) => `TC-${pad(10 + i * 5 + rng.int(5), 4)}`);
    let t = Date.UTC(2025, 5, 2, 0, 0, 0) + rng.int(60) * 86_400_000;
    let test = 1 + rng.int(1000);
    let cycles = 0;
    let robot = `HR-ACT-${pad(rng.int(10_000), 4)}`;
    let joint: string = rng.pick(JOINTS);
    let tech = rng.pick(techs);
    for (let i = 0; i < rows; i++) {
      if (i > 0 && rng.chance(0.002)) {
        test++;
        cycles = 0;
        robot = `HR-ACT-${pad(rng.int(10_000), 4)}`;
        joint = rng.pick(JOINTS);
        tech = rng.pick(techs);
      }
      t += 1000 * (5 + rng.int(10));
      cycles += 50 + rng.int(50);
      const torque = rng.normal(joint.includes('knee') ? 120 : joint.includes('hip') ? 150 : 60, 8);
      const temp = rng.normal(45 + cycles / 4000 + torque / 20, 3);
      const pFail = 0.0005 + Math.max(0, temp - 70) * 0.002;
      const failure = rng.chance(pFail) ? (temp > 72 ? 'overheat' : rng.pick(FAILURES)) : null;
      yield {
        test_id: `T-${pad(test, 8)}`,
        robot_serial: robot,
        joint,
        technician_id: tech,
        ts: iso(t),
        torque_nm: round(torque, 2),
        temperature_c: round(temp, 1),
        cycles,
        failure_mode: failure,
      };
    }
  },
};

/** All kinds by name. */
export const KINDS: Readonly<Record<SyntheticKind, KindDefinition>> = {
  'weld-line': weldLine,
  'ship-block-inspection': shipBlock,
  'humanoid-actuator': humanoid,
};
