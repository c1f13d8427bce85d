// The actions card (only with --allow-actions): add a task with a priority, stop a lane, promote a lane's best.
import { fill, h } from './dom.js';
import type { Api } from './panels.js';
import { laneLabel, type Store } from './store.js';

export class ActionsPanel {
  readonly el: HTMLElement;
  private lane: HTMLSelectElement;
  private from: HTMLSelectElement;
  private to: HTMLSelectElement;
  private stopLane: HTMLSelectElement;
  private answer: HTMLElement;
  private armed = false;

  constructor(
    private readonly store: Store,
    private readonly api: Api,
  ) {
    this.lane = h('select', { id: 'task-lane', 'aria-label': 'session' });
    this.from = h('select', { id: 'promote-from', 'aria-label': 'from lane' });
    this.to = h('select', { id: 'promote-to', 'aria-label': 'to lane' });
    this.stopLane = h('select', { id: 'stop-lane', 'aria-label': 'lane to stop' });
    const text = h('input', { id: 'task-text', placeholder: 'a task for the agent', class: 'grow', maxlength: 4000 });
    const prio = h('input', { id: 'task-priority', type: 'number', value: 10, step: 1, min: -1000, max: 1000, class: 'prio', 'aria-label': 'priority' });
    this.answer = h('div', { class: 'answer', id: 'action-answer', role: 'status' });
    const stopBtn = h('button', { id: 'stop-button', class: 'danger' }, 'stop');
    stopBtn.addEventListener('click', () => {
      // Two clicks: a stop ends an agent mid-thought.
      if (!this.armed) {
        this.armed = true;
        stopBtn.textContent = 'click again to stop';
        setTimeout(() => {
          this.armed = false;
          stopBtn.textContent = 'stop';
        }, 4000);
        return;
      }
      this.armed = false;
      stopBtn.textContent = 'stop';
      void this.send('stop', { tag: this.stopLane.value });
    });
    this.el = h(
      'section',
      { class: 'card actions-card' },
      h('div', { class: 'card-head' }, h('h2', {}, 'Actions')),
      h('div', { class: 'action-row' }, h('b', {}, 'Add a task'), this.lane, text, h('label', {}, 'priority ', prio), h('button', { id: 'task-button', onclick: () => this.send('task', { tag: this.lane.value, text: text.value, priority: Number(prio.value) }).then((ok) => ok && (text.value = '')) }, 'add')),
      h('div', { class: 'action-row' }, h('b', {}, 'Promote'), 'the best of', this.from, 'onto', this.to, h('button', { id: 'promote-button', onclick: () => this.send('promote', { from: this.from.value, to: this.to.value }) }, 'promote')),
      h('div', { class: 'action-row' }, h('b', {}, 'Stop'), this.stopLane, stopBtn),
      this.answer,
    );
    store.on((what) => what === 'lanes' && this.update());
    this.update();
  }

  private options(sel: HTMLSelectElement, tags: string[]): void {
    const keep = sel.value;
    fill(sel, ...tags.map((t) => h('option', { value: t }, laneLabel(this.store, t))));
    if (tags.includes(keep)) sel.value = keep;
  }

  update(): void {
    const lanes = this.store.snap.lanes;
    const live = lanes.filter((l) => !['idle', 'stopped', 'failed', 'dead'].includes(l.state)).map((l) => l.tag);
    this.options(this.lane, lanes.map((l) => l.tag));
    this.options(this.stopLane, live);
    const laned = lanes.filter((l) => l.lane).map((l) => l.tag);
    this.options(this.from, laned);
    this.options(this.to, laned);
  }

  private async send(name: string, body: object): Promise<boolean> {
    const r = await this.api.post(`api/actions/${name}`, body);
    this.answer.textContent = r.message;
    this.answer.className = `answer ${r.ok ? 'good' : 'bad'}`;
    return r.ok;
  }
}
