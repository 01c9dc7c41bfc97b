/** Reports: the human text (progress lines, grouped results, failure details), JUnit XML and JSON. */
import type { CheckResult, Group, Report, Summary } from './model.js';

const GROUPS: readonly [Group, string][] = [
  ['mandatory', 'Mandatory (MUST)'],
  ['recommended', 'Recommended (SHOULD)'],
  ['optional', 'Optional (MAY)'],
];

const MARK: Record<CheckResult['status'], string> = {
  passed: 'PASS',
  failed: 'FAIL',
  skipped: 'SKIP',
  'expected-failure': 'XFAIL',
};

const indent = (text: string, by: string) => text.replace(/\n/g, `\n${by}`);

/** One progress line, printed as each check ends. */
export function progressLine(result: CheckResult, index: number, total: number): string {
  const width = String(total).length;
  const n = String(index + 1).padStart(width);
  const note = result.status === 'skipped' && result.message ? ` (${result.message})` : '';
  return `[${n}/${total}] ${MARK[result.status].padEnd(5)} ${result.id} ${result.durationMs} ms${note}`;
}

/** What went wrong, what the spec requires, what was sent and what came back. */
export function failureDetail(r: CheckResult): string {
  const lines = [
    `${MARK[r.status]} ${r.id} — ${r.title}`,
    `    problem:  ${indent(r.message ?? '', '              ')}`,
  ];
  lines.push(`    requires: ${r.requires}`);
  if (r.exchange) {
    lines.push(`    sent:     ${indent(r.exchange.sent, '              ')}`);
    lines.push(`    received: ${indent(r.exchange.received, '              ')}`);
  }
  if (r.expectedBecause) lines.push(`    expected to fail: ${r.expectedBecause}`);
  return lines.join('\n');
}

export function summaryLine(s: Summary): string {
  const failed = s.failed + s.expectedFailures;
  const expected = s.expectedFailures > 0 ? ` (${s.expectedFailures} expected)` : '';
  return `${s.passed} passed, ${failed} failed${expected}, ${s.skipped} skipped`;
}

/** The full text report; its last line is `N passed, N failed, N skipped`. */
export function formatText(report: Report): string {
  const out: string[] = [];
  out.push(`A2A conformance — level ${report.level} — ${report.target} (${report.transport ?? 'no binding'})`);
  if (report.notice) out.push(report.notice);
  for (const [group, title] of GROUPS) {
    const results = report.results.filter((r) => r.group === group);
    if (results.length === 0) continue;
    const count = (s: CheckResult['status']) => results.filter((r) => r.status === s).length;
    out.push('');
    out.push(
      `${title}: ${count('passed')} passed, ${count('failed')} failed${count('expected-failure') ? `, ${count('expected-failure')} expected failures` : ''}, ${count('skipped')} skipped`,
    );
    for (const r of results.filter((x) => x.status === 'failed' || x.status === 'expected-failure')) {
      out.push(indent(`  ${failureDetail(r)}`, '  '));
    }
  }
  const noted = report.results.filter((r) => r.notes?.length);
  if (noted.length > 0) {
    out.push('');
    out.push('Notes:');
    for (const r of noted) for (const n of r.notes ?? []) out.push(`  ${r.id}: ${n}`);
  }
  if (report.summary.unexpectedPasses.length > 0) {
    out.push('');
    out.push(`Listed as expected failures but passed (update the list): ${report.summary.unexpectedPasses.join(', ')}`);
  }
  out.push('');
  out.push(summaryLine(report.summary));
  return out.join('\n');
}

const xml = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: XML 1.0 forbids these characters
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

/** JUnit XML: one test suite per group; expected failures are reported as skipped with their reason. */
export function toJUnit(report: Report): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const s = report.summary;
  out.push(
    `<testsuites name="rightsize-conformance ${xml(report.level)}" tests="${report.results.length}" failures="${s.failed}" skipped="${s.skipped + s.expectedFailures}" time="${(report.durationMs / 1000).toFixed(3)}">`,
  );
  for (const [group, title] of GROUPS) {
    const results = report.results.filter((r) => r.group === group);
    if (results.length === 0) continue;
    const failed = results.filter((r) => r.status === 'failed').length;
    const skipped = results.filter((r) => r.status === 'skipped' || r.status === 'expected-failure').length;
    out.push(`  <testsuite name="${xml(title)}" tests="${results.length}" failures="${failed}" skipped="${skipped}">`);
    for (const r of results) {
      const open = `    <testcase name="${xml(r.id)}" classname="${xml(`${r.level}.${r.section}`)}" time="${(r.durationMs / 1000).toFixed(3)}"`;
      if (r.status === 'passed') out.push(`${open}/>`);
      else if (r.status === 'failed')
        out.push(
          `${open}>`,
          `      <failure message="${xml(r.message ?? '')}">${xml(failureDetail(r))}</failure>`,
          '    </testcase>',
        );
      else
        out.push(
          `${open}>`,
          `      <skipped message="${xml(r.status === 'expected-failure' ? `expected failure: ${r.expectedBecause ?? ''} — ${r.message ?? ''}` : (r.message ?? ''))}"/>`,
          '    </testcase>',
        );
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}

export function toJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
