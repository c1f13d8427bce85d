// When a usage limit resets, from an agent's own words (every profile's CLI names it its own way; one parser).

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** The offset of a time zone from UTC at an instant, in ms (0 for an unknown zone). */
function zoneOffset(at: number, zone: string | null): number {
  if (!zone) return -new Date(at).getTimezoneOffset() * 60_000;
  try {
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    }).formatToParts(new Date(at));
    const n = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
    return Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second')) - Math.floor(at / 1000) * 1000;
  } catch {
    return -new Date(at).getTimezoneOffset() * 60_000;
  }
}

/** The instant a wall-clock time (y, m, d, h, min) has in a zone (local time when the zone is null or unknown). */
function wallTime(y: number, mo: number, d: number, h: number, min: number, zone: string | null): number {
  const guess = Date.UTC(y, mo, d, h, min);
  let t = guess - zoneOffset(guess, zone);
  t = guess - zoneOffset(t, zone);
  return t;
}

/** The date parts of an instant in a zone. */
function dateIn(at: number, zone: string | null): { y: number; m: number; d: number } {
  const shifted = new Date(at + zoneOffset(at, zone));
  return { y: shifted.getUTCFullYear(), m: shifted.getUTCMonth(), d: shifted.getUTCDate() };
}

/**
 * When a usage limit resets, from the agent's words: "resets 5am (Europe/Berlin)", "resets 5:30pm", "try again at 5:00 PM",
 * "resets Dec 3, 5am (UTC)", "limit will reset at 17:00", or an epoch after a bar ("usage limit reached|1767330000").
 * Null when no time is named. A time of day without a date is the next such time (or one less than an hour ago:
 * a limit that outlives its reset by a little is not a day away).
 */
export function parseResetTime(text: string, now = Date.now()): number | null {
  const epoch = /\|(\d{10})\b/.exec(text);
  if (epoch) return Number(epoch[1]) * 1000;
  const m =
    /\b(?:reset(?:s|ting)?|try again)\s+(?:at\s+|on\s+)?(?:([A-Za-z]{3})[a-z]*\.? (\d{1,2})(?:st|nd|rd|th)?,?\s+(?:\d{4},?\s+)?(?:at\s+)?)?(\d{1,2})(?::(\d{2}))?\s*(am|pm)?(?:\s*\(([^)]+)\))?/i.exec(text);
  if (!m) return null;
  const [, mon, day, hh, mm, ampm, zoneText] = m;
  let h = Number(hh);
  const min = mm ? Number(mm) : 0;
  if (!ampm && !mm) return null; // "resets 5" is not a time
  if (ampm) {
    if (h < 1 || h > 12) return null;
    h = (h % 12) + (ampm.toLowerCase() === 'pm' ? 12 : 0);
  } else if (h > 23) return null;
  if (min > 59) return null;
  let zone: string | null = zoneText?.trim() || null;
  if (zone) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
    } catch {
      zone = null;
    }
  }
  const today = dateIn(now, zone);
  if (mon && day) {
    const mi = MONTHS.indexOf(mon.toLowerCase());
    if (mi < 0) return null;
    let t = wallTime(today.y, mi, Number(day), h, min, zone);
    if (t < now - 86_400_000) t = wallTime(today.y + 1, mi, Number(day), h, min, zone);
    return t;
  }
  let t = wallTime(today.y, today.m, today.d, h, min, zone);
  if (t <= now - 3_600_000) t = wallTime(today.y, today.m, today.d + 1, h, min, zone);
  return t;
}


/** A wait named as a duration ("try again in 2 days 3 hours 5 minutes", "in 1h 30m"), in ms, or null. */
export function parseWaitDuration(text: string): number | null {
  const m = /\b(?:try again|retry|resets?)\s+in\s+((?:\d+(?:\.\d+)?\s*(?:days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)\b[\s,and]*)+)/i.exec(text);
  if (!m) return null;
  const unit: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 };
  let ms = 0;
  for (const p of m[1]!.matchAll(/(\d+(?:\.\d+)?)\s*([a-z]+)/gi)) {
    const u = p[2]!.toLowerCase();
    const k = u.startsWith('d') ? 'd' : u.startsWith('h') ? 'h' : u.startsWith('m') ? 'm' : 's';
    ms += Number(p[1]) * unit[k]!;
  }
  return ms > 0 ? Math.round(ms) : null;
}
