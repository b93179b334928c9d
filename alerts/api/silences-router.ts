import { Router } from 'express';
import type { Dispatcher } from '../dispatch/dispatcher.ts';
import type { Silences } from '../silence/silences.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const view = (s: ReturnType<Silences['list']>[number]) => ({ ...s, startsAt: iso(s.startsAt), endsAt: iso(s.endsAt) });

/** Silences (POST/GET /api/v1/silences, DELETE /api/v1/silences/:id) and delivery status. */
export function silencesRouter(silences: Silences, dispatcher: Dispatcher): Router {
  const router = Router();
  router.get('/api/v1/silences', (_req, res) => {
    res.json({ status: 'success', data: silences.list().map(view) });
  });
  router.post('/api/v1/silences', async (req, res) => {
    const body = req.body ?? {};
    const time = (v: unknown) => (v === undefined ? undefined : typeof v === 'number' ? v : Date.parse(String(v)));
    try {
      const silence = await silences.add({
        matchers: body.matchers,
        startsAt: time(body.startsAt),
        endsAt: time(body.endsAt) ?? NaN,
        createdBy: body.createdBy,
        comment: body.comment,
      });
      res.status(201).json({ status: 'success', data: view(silence) });
    } catch (err) {
      res.status(400).json({ status: 'error', error: (err as Error).message });
    }
  });
  router.delete('/api/v1/silences/:id', async (req, res) => {
    const silence = await silences.expire(req.params.id);
    if (!silence) res.status(404).json({ status: 'error', error: `no silence ${req.params.id}` });
    else res.json({ status: 'success', data: view(silence) });
  });
  router.get('/api/v1/status', (_req, res) => {
    res.json({ status: 'success', data: { receivers: Object.fromEntries(dispatcher.status) } });
  });
  return router;
}
