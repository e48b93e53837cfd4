// Regenerates the published schemas/*.json (or the folder given) from lib/events. Run from the package
// root; no TypeScript runner is installed, so:
//   npx tsc --outDir .tmp/write-schemas --module node16 --moduleResolution node16 --target es2022 \
//     --skipLibCheck scripts/write-schemas.ts && node .tmp/write-schemas/scripts/write-schemas.js
// or, equally: UPDATE_SCHEMAS=1 npx jest __tests__/events-schemas-files
import { join } from 'node:path';
import { writeSchemas } from '../lib/events/write-schemas';

const outDir = process.argv[2] ?? join(process.cwd(), 'schemas');
for (const path of writeSchemas(outDir)) console.log(`wrote ${path}`);
