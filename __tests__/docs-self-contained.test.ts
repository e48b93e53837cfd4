import { readdirSync, readFileSync, statSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { join, relative } from 'node:path';
import { EVENT_TYPE_ALIASES, EVENT_TYPES } from '../lib/events';
import { MO_MESSAGE_TYPES } from '../lib/events/inbound/common';
import { examples } from '../lib/testing/examples';

/**
 * The project's documentation stands on its own: users get the repository, the package and docs/events.md,
 * nothing else. So no file may send them to a document they do not have, every link to an anchor of
 * docs/events.md must land somewhere, and docs/events.md must cover the whole catalogue with the package's own
 * examples. (The patterns are written with escapes so that this file passes its own scan.)
 */

const ROOT = join(__dirname, '..');
const EVENTS_DOC = 'docs/events.md';

const TEAM_NOTES = [
  { name: 'a section sign', pattern: /\u00a7/ },
  { name: 'the team notes on InnoPaaS webhooks', pattern: /innopaas-webhooks\.md/i },
  { name: 'the design notes', pattern: /\bDESIGN\.md\b/i },
  { name: 'the style notes', pattern: /\bSTYLE\.md\b/i },
];
const ISSUE_NUMBERS = [
  { name: 'an issue number', pattern: /\bissues? #\d+/i },
  { name: 'an issue number', pattern: /\(#\d+\)/ },
];

/** What users read, with everything checked; bench/ may name issues in its history, nothing else. */
const SCANNED: { path: string; rules: typeof TEAM_NOTES }[] = [
  ...['lib', 'docs', 'example-app', '__tests__', 'README.md', 'SECURITY.md', 'CHANGELOG.md', 'package.json'].map((path) => ({
    path,
    rules: [...TEAM_NOTES, ...ISSUE_NUMBERS],
  })),
  { path: 'bench', rules: TEAM_NOTES },
];
const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.cache', 'coverage']);

function filesUnder(path: string): string[] {
  const absolute = join(ROOT, path);
  if (!statSync(absolute).isDirectory()) return [path];
  return readdirSync(absolute, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory() && SKIPPED_DIRS.has(entry.name)) return [];
    return filesUnder(join(path, entry.name));
  });
}

/** Text files only: a binary (the screenshot) can hold any byte sequence. */
function readText(path: string): string | undefined {
  const bytes = readFileSync(join(ROOT, path));
  return bytes.includes(0) ? undefined : bytes.toString('utf8');
}

const texts = new Map<string, { text: string; rules: typeof TEAM_NOTES }>();
for (const { path, rules } of SCANNED) {
  for (const file of filesUnder(path)) {
    const text = readText(file);
    if (text !== undefined) texts.set(relative(ROOT, join(ROOT, file)), { text, rules });
  }
}

/** GitHub's heading anchor: lower case, punctuation but `-` and `_` dropped, spaces as hyphens. */
function slug(heading: string): string {
  const text = heading
    .replace(/<[^>]*>/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[`*]/g, '')
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

/** Every anchor a Markdown file defines: explicit `<a id>` / `<a name>`, and its headings (with -1, -2 for repeats). */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const match of markdown.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(match[1]!);
  const seen = new Map<string, number>();
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) inFence = !inFence;
    const heading = !inFence && /^#{1,6}\s+(.*)$/.exec(line);
    if (!heading) continue;
    const base = slug(heading[1]!);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

const eventsDoc = readFileSync(join(ROOT, EVENTS_DOC), 'utf8');
const eventsAnchors = anchorsOf(eventsDoc);

/** The section of docs/events.md an anchor opens: its heading, up to the next heading of the same or a higher level. */
function sectionAt(anchor: string): string {
  const start = eventsDoc.indexOf(`<a id="${anchor}"></a>`);
  if (start < 0) return '';
  const lines = eventsDoc.slice(start).split('\n');
  const headingAt = lines.findIndex((line) => /^#{1,6}\s/.test(line));
  const level = /^#+/.exec(lines[headingAt] ?? '')?.[0].length ?? 0;
  let inFence = false;
  const end = lines.findIndex((line, index) => {
    if (line.startsWith('```')) inFence = !inFence;
    const heading = /^(#+)\s/.exec(line);
    return index > headingAt && !inFence && heading !== null && heading[1]!.length <= level;
  });
  return lines.slice(0, end < 0 ? undefined : end).join('\n');
}

describe('the documentation refers to nothing users do not have', () => {
  it('scans the files users read', () => {
    for (const file of ['README.md', 'SECURITY.md', EVENTS_DOC, 'lib/events/index.ts', 'example-app/app.js']) {
      expect(texts.has(file)).toBe(true);
    }
    expect(texts.has('docs/inspector.png')).toBe(false);
  });

  it.each(SCANNED)('$path: no reference to a document users do not have', ({ path, rules }) => {
    const found = [...texts]
      .filter(([file]) => file === path || file.startsWith(`${path}/`))
      .flatMap(([file, { text }]) =>
        text.split('\n').flatMap((line, index) => {
          const broken = rules.filter((rule) => rule.pattern.test(line)).map((rule) => rule.name);
          return broken.length ? [`${file}:${index + 1}: ${broken.join(', ')}: ${line.trim()}`] : [];
        }),
      );
    expect(found).toEqual([]);
  });
});

describe('links into docs/events.md land on an anchor it defines', () => {
  const links = [...texts].flatMap(([file, { text }]) =>
    [...text.matchAll(/docs\/events\.md#([a-z0-9_-]+)(?![\w-])/g)].map((match) => [file, match[1]!] as const),
  );
  const inPage = [...eventsDoc.matchAll(/\]\(#([a-z0-9_-]+)\)/g)].map((match) => [EVENTS_DOC, match[1]!] as const);

  it('finds links from the code, the README and the example app', () => {
    const from = new Set(links.map(([file]) => file.split('/')[0]));
    expect([...from]).toEqual(expect.arrayContaining(['lib', 'README.md', 'example-app', '__tests__']));
  });

  it.each([...links, ...inPage])('%s → #%s', (_file, anchor) => {
    expect(eventsAnchors).toContain(anchor);
  });

  it('computes heading anchors as GitHub does', () => {
    expect(anchorsOf('## Known quirks\n## `whatsapp_mo_message_received`: inbound message\n## Known quirks\n')).toEqual(
      new Set(['known-quirks', 'whatsapp_mo_message_received-inbound-message', 'known-quirks-1']),
    );
  });
});

describe('docs/events.md covers the catalogue', () => {
  it.each([...EVENT_TYPES, ...Object.keys(EVENT_TYPE_ALIASES)])('has a section for the event type %s', (type) => {
    expect(eventsAnchors).toContain(type);
    expect(sectionAt(type)).toContain(`\`${type}\``);
  });

  it.each(MO_MESSAGE_TYPES)('has a section for the inbound message type %s, with an example', (type) => {
    expect(eventsAnchors).toContain(`inbound-${type}`);
    expect(sectionAt(`inbound-${type}`)).toMatch(new RegExp(`"type": "${type}"`));
  });

  it('numbers its known quirks 1..N without a gap, each with an anchor', () => {
    const numbers = [...eventsDoc.matchAll(/<a id="quirk-(\d+)">/g)].map((match) => Number(match[1]));
    expect(numbers.length).toBeGreaterThan(0);
    expect(numbers).toEqual(numbers.map((_n, index) => index + 1));
  });

  it.each(Object.keys(examples))("names the example %s, which users get as examples['…']", (name) => {
    expect(eventsDoc).toContain(`examples['${name}']`);
  });

  // Each JSON block is either a whole event equal to one of the package's examples, an envelope with an
  // empty body (an illustration), or the type-specific part of an inbound example's body.
  const blocks = [...eventsDoc.matchAll(/```json\n([\s\S]*?)```/g)].map((match) => match[1]!);
  const bodies = Object.values(examples).map((example) => example.body as Record<string, unknown>);

  it('has JSON examples', () => {
    expect(blocks.length).toBeGreaterThan(20);
  });

  it.each(blocks.map((block) => [block.split('\n')[0]!.slice(0, 60), block] as const))(
    'shows a JSON block that parses and matches the package: %s',
    (_start, block) => {
      const value = JSON.parse(block) as Record<string, unknown>;
      if ('eventTime' in value) {
        const isIllustration = isDeepStrictEqual(value.body, {});
        const matches = Object.values(examples).some((example) => isDeepStrictEqual(example, value));
        expect(matches || isIllustration).toBe(true);
      } else {
        const matches = bodies.some((body) => Object.entries(value).every(([key, part]) => isDeepStrictEqual(body[key], part)));
        expect(matches).toBe(true);
      }
    },
  );
});
