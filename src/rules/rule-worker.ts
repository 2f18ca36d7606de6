import { Piscina } from 'piscina';
import { runCheck, runEvaluate, toWire, type RuleTask } from './rule-work';

/** The entry of a rule worker thread (piscina calls the default export once per task). */
export default async function ruleWorker(task: RuleTask): Promise<unknown> {
  switch (task.type) {
    case 'check':
      return runCheck(task);
    case 'evaluate': {
      const wire = toWire(await runEvaluate(task));
      // The explanations' buffer is moved to the main thread, not copied.
      return Piscina.move({
        [Piscina.transferableSymbol]: [wire.explanations.buffer],
        [Piscina.valueSymbol]: wire,
      } as unknown as ArrayBuffer);
    }
    case 'ping':
      return 'pong';
  }
}
