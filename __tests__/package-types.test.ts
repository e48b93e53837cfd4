import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// The package's types as users meet them: the packed tarball installed into a CommonJS and an ES module
// project, then every TypeScript block of the README, the quick start in `import = require` form and the
// checks of consumers/types/ (with their @ts-expect-error lines) compiled by TypeScript 5.9 and 7 under
// the settings `tsc --init` writes and under plain `strict`.

const root = resolve(__dirname, '..');
const FIXTURES = join(__dirname, 'consumers', 'types');

/** What `npm install -D typescript` gave before 7, and what it gives now. */
const TYPESCRIPTS = [
  ['5.9', 'typescript@~5.9.3'],
  ['7', 'typescript@^7'],
] as const;

/**
 * The two kinds of project. The CommonJS one is the older service (Express 4's types); both take the
 * optional peers and clients the README's blocks import.
 */
const PROJECTS = {
  cjs: { type: 'commonjs', express: '@types/express@^4' },
  esm: { type: 'module', express: '@types/express@^5' },
} as const;
type Project = keyof typeof PROJECTS;
const SHARED_DEPENDENCIES = [
  '@types/node@^20',
  'fast-check@^4',
  'ioredis@^5',
  // The optional peers the README's Scaling out and Observability blocks import.
  'bullmq@^6.7.0',
  'prom-client@^15.1.3',
  'pino@^10.4.0',
  '@opentelemetry/api@~1.9.1',
];

/**
 * What a README block needs around it to compile on its own: the names it uses without defining them
 * (`app`, your database client), or the call a fragment such as `on: { … }` sits in. Keyed by the block's
 * first line; a block without an entry must compile as it stands.
 */
const CONTEXTS: Record<string, { before: string; after?: string }> = {
  "app.use('/webhook', innopaasWebhook({ userName, authorization, on: { whatsapp_mo_message_received: async (event, req) => {} } }));":
    {
      before: `import express from 'express';
import { innopaasWebhook } from 'innopaas-webhook';
const app = express();
declare const userName: string, authorization: string;`,
    },
  'on: {': {
    before: `import { innopaasWebhook, statusRank, type MessageStatus, type InboxMessageContent } from 'innopaas-webhook';
declare const db: { messages: { updateIfNewer(id: string, status: MessageStatus, rank: number): Promise<void> } };
declare const bot: { reply(to: string, text: string): Promise<void> };
declare function alert(subject: string | undefined, detail: string | null | undefined): void;
declare const metrics: { gauge(name: string | undefined, value: string): void };
declare const inbox: { mirror(from: string, content: InboxMessageContent): Promise<void> };
innopaasWebhook({ insecureNoAuth: true,`,
    after: '});',
  },
  'innopaasWebhook({': {
    before: `import { innopaasWebhook } from 'innopaas-webhook';
declare const userName: string, authorization: string;
declare function reply(to: string, text: string): Promise<void>;
declare function download(url: string): Promise<void>;`,
  },
  "import { Redis } from 'ioredis';                        // or: createClient() from 'redis' (v4+), connected": {
    before: `import express from 'express';
import type { EventHandlers } from 'innopaas-webhook';
const app = express();
declare const userName: string, authorization: string, on: EventHandlers;`,
  },
  "import { Queue } from 'bullmq';": {
    before: `import express from 'express';
const app = express();
declare const userName: string, authorization: string;`,
  },
  "import { Registry } from 'prom-client';": {
    before: `import express from 'express';
const app = express();
declare const userName: string, authorization: string;`,
  },
  "import { buildEvent, buildInboundMessage, deliver } from 'innopaas-webhook/testing';": {
    before: `declare function test(name: string, body: () => Promise<void>): void;
declare function expect(value: unknown): { toBe(expected: unknown): void };
declare function isSubscribed(phone: string): Promise<boolean>;
declare function failureReason(messageId: string): Promise<string>;`,
  },
  "import type { EventQueue } from 'innopaas-webhook';": {
    before: `declare const pool: { query(sql: string, params: unknown[]): Promise<{ rowCount: number | null }> };`,
  },
  "import fc from 'fast-check';": {
    before: `import type { InnopaasEvent } from 'innopaas-webhook';
declare function test(name: string, body: () => Promise<void>): void;
declare function onStatus(event: InnopaasEvent): Promise<void>;`,
  },
};

/**
 * Blocks these projects cannot compile, keyed by first line, with why: they are for another runtime or
 * need packages these projects do not install. Their types are checked elsewhere where they can be.
 */
const NOT_COMPILED: Record<string, string> = {
  "import { serve } from '@hono/node-server';": 'Hono (its Next.js/Hono forms compile in __tests__/types/fetch.ts)',
  "import { innopaasFetchHandler } from 'innopaas-webhook';": "Bun's globals",
  "import { innopaasFetchHandler } from 'npm:innopaas-webhook';": "Deno's npm: specifier",
  '// src/index.ts; wrangler.toml: compatibility_flags = ["nodejs_compat"]': "Workers' types",
  '// tracing.ts, loaded first (node --import ./tracing.js server.js)': "the OpenTelemetry SDK's packages",
};

/** The README's TypeScript blocks, in order, with their line numbers. */
function readmeBlocks(all = false): { line: number; code: string }[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  return [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)]
    .map((match) => ({
      line: readme.slice(0, match.index).split('\n').length,
      code: match[1] as string,
    }))
    .filter((block) => all || !((block.code.split('\n')[0] ?? '') in NOT_COMPILED));
}

const run = (command: string, args: string[], cwd: string) =>
  execFileSync(command, args, { cwd, stdio: 'pipe', encoding: 'utf8', timeout: 300_000 });

/** `tsc -p config` of one TypeScript version in a project; its output, empty when it compiled. */
function tsc(projectDir: string, version: string, config: string): Promise<string> {
  return new Promise((done) => {
    execFile(process.execPath, [tscOf(version), '-p', config], { cwd: projectDir }, (error, stdout, stderr) => {
      done(error ? `${stdout}${stderr}`.trim() || String(error) : '');
    });
  });
}

const writeJson = (file: string, value: unknown) => {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
};

describe('the README blocks carry what they need', () => {
  test('every context matches a block (none is left over from an edited README)', () => {
    const firstLines = readmeBlocks(true).map((block) => block.code.split('\n')[0]);
    for (const key of [...Object.keys(CONTEXTS), ...Object.keys(NOT_COMPILED)]) expect(firstLines).toContain(key);
  });
});

const INSTALL = ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', '--no-package-lock'];

// Once per run, shared by both projects: the tarball, and each TypeScript in a folder of its own (run by
// path: the projects have none).
let shared: string;
let tarball: string;
beforeAll(() => {
  if (!existsSync(join(root, 'dist', 'index.d.ts'))) throw new Error('dist/ is missing: run `npm run build` first.');
  shared = mkdtempSync(join(tmpdir(), 'innopaas-types-'));
  run('npm', ['pack', '--silent', '--pack-destination', shared], root);
  tarball = join(shared, readdirSync(shared).find((file) => file.endsWith('.tgz')) as string);
  for (const [version, spec] of TYPESCRIPTS) {
    mkdirSync(join(shared, `ts-${version}`));
    writeJson(join(shared, `ts-${version}`, 'package.json'), { private: true });
    run('npm', [...INSTALL, spec], join(shared, `ts-${version}`));
  }
}, 600_000);
afterAll(() => {
  if (shared) rmSync(shared, { recursive: true, force: true });
});

const tscOf = (version: string) => join(shared, `ts-${version}`, 'node_modules', 'typescript', 'bin', 'tsc');

describe.each(Object.keys(PROJECTS) as Project[])('the types of the packed tarball in a %s project', (project) => {
  let dir: string;
  beforeAll(() => {
    dir = join(shared, project);
    const projectDir = dir;
    mkdirSync(projectDir);
    writeJson(join(projectDir, 'package.json'), { name: `consumer-${project}`, private: true, type: PROJECTS[project].type });
    run('npm', [...INSTALL, tarball, PROJECTS[project].express, ...SHARED_DEPENDENCIES], projectDir);

    cpSync(FIXTURES, projectDir, { recursive: true });
    mkdirSync(join(projectDir, 'readme'));
    for (const { line, code } of readmeBlocks()) {
      const context = CONTEXTS[code.split('\n')[0] as string];
      const text = context ? `${context.before}\n${code}${context.after ?? ''}\n` : code;
      writeFileSync(join(projectDir, 'readme', `line-${line}.ts`), `// README.md, line ${line}\n${text}`);
    }

    // `tsc --init` of each version, untouched, extended by the configs below.
    const include = ['readme', 'checks', 'src', 'shims'];
    for (const [version] of TYPESCRIPTS) {
      const initDir = join(projectDir, `init-${version}`);
      mkdirSync(initDir);
      run(process.execPath, [tscOf(version), '--init'], initDir);
      writeJson(join(projectDir, `tsconfig.init-${version}.json`), {
        extends: `./init-${version}/tsconfig.json`,
        // A CommonJS project must turn verbatimModuleSyntax off to write `import … from` at all.
        compilerOptions: { noEmit: true, ...(project === 'cjs' ? { verbatimModuleSyntax: false } : {}) },
        include,
      });
      if (project === 'cjs') {
        writeJson(join(projectDir, `tsconfig.init-${version}-require.json`), {
          extends: `./init-${version}/tsconfig.json`,
          compilerOptions: { noEmit: true },
          include: ['require'],
        });
      }
    }
    // Plain `strict`, with what each kind of project needs to import Express at all. The ES module project
    // checks the package's declarations too (no skipLibCheck); the CommonJS one cannot: TypeScript 5.9
    // resolves its imports the node10 way, under which fast-check's own declarations do not resolve.
    writeJson(join(projectDir, 'tsconfig.strict.json'), {
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: 'es2022',
        ...(project === 'cjs' ? { module: 'commonjs', esModuleInterop: true, skipLibCheck: true } : { module: 'nodenext' }),
      },
      include,
    });
  }, 300_000);

  const configs = [
    ...TYPESCRIPTS.flatMap(([version]) => [
      [version, 'tsc --init', `tsconfig.init-${version}.json`],
      ...(project === 'cjs' ? [[version, 'tsc --init, import = require()', `tsconfig.init-${version}-require.json`]] : []),
    ]),
    ...TYPESCRIPTS.map(([version]) => [version, 'strict', 'tsconfig.strict.json']),
  ];
  test.each(TYPESCRIPTS.map(([version]) => version))(
    "TypeScript %s's tsc --init sets what this suite is about (if a later one stops, the test says so)",
    (version) => {
      const init = readFileSync(join(dir, `init-${version}`, 'tsconfig.json'), 'utf8');
      for (const setting of ['strict', 'exactOptionalPropertyTypes', 'noUncheckedIndexedAccess', 'verbatimModuleSyntax'])
        expect(init).toMatch(new RegExp(`^\\s*"${setting}": true`, 'm'));
      expect(init).toMatch(/^\s*"module": "nodenext"/m);
    },
  );

  test.each(configs)(
    'TypeScript %s, %s: compiles (%s)',
    async (version, _name, config) => {
      expect(await tsc(dir, version, config)).toBe('');
    },
    120_000,
  );
});
