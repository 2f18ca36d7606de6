import fs from 'node:fs';
import path from 'node:path';
import express from 'express';
import { projectRoot } from './config';

/** Where `npm run build` (vite, src/web/vite.config.ts) writes the dashboard and the explorer. */
export const WEB_DIR = path.join(projectRoot, 'dist', 'web');

/**
 * Pages may load only what this server serves: the policy backs up the bundle's own promise
 * that no script, style, font or request goes to another host. Inline styles stay allowed for
 * the chart and GraphiQL, which set them.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/**
 * The dashboard at `/` and the offline explorer at `/graphiql`, from the built bundle. Hashed
 * assets are cached for a year (a new build gets new names); the two pages are revalidated on
 * every visit so a deploy shows at once. Before a build, both answer 503 saying how to build.
 */
export function dashboardRouter(dir = WEB_DIR): express.Router {
  const router = express.Router();
  const page =
    (file: string): express.RequestHandler =>
    (_req, res) => {
      const full = path.join(dir, file);
      if (!fs.existsSync(full)) {
        res
          .status(503)
          .type('text/plain')
          .send('The dashboard is not built yet: run `npm run build` (npm start does).');
        return;
      }
      res.set({
        'Cache-Control': 'no-cache',
        'Content-Security-Policy': CONTENT_SECURITY_POLICY,
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
      });
      res.sendFile(full);
    };
  router.get('/', page('index.html'));
  router.get('/graphiql', page('graphiql.html'));
  router.use(
    '/assets',
    express.static(path.join(dir, 'assets'), {
      immutable: true,
      maxAge: '365d',
      index: false,
      setHeaders: (res) => res.setHeader('X-Content-Type-Options', 'nosniff'),
    }),
    (_req: express.Request, res: express.Response) => {
      res.status(404).type('text/plain').send('No such asset: the dashboard may have been rebuilt; reload the page.');
    },
  );
  return router;
}
