import { useEffect, useMemo, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';

import { api } from '../../api/endpoints';
import { ErrorBox } from '../../components/ErrorBox';
import { useUncachedText } from '../../components/useUncachedText';
import { type Cast, CastError, formatClock, initialPlay, parseCast, play, type PlayState, search, seek, SPEEDS, type Step, tick } from '../../exec/asciicast';
import { SESSIONS_ROUTE } from '../../exec/routes';
import { type ReplayScreen, ReplayTerminalView } from '../../exec/terminalViews';
import { isTypingTarget } from '../../lib/keys';

function apply(screen: ReplayScreen, steps: Step[]): void {
  for (const step of steps) {
    if (step.kind === 'write') screen.write(step.data);
    else if (step.kind === 'resize') screen.resize(step.cols, step.rows);
    else screen.write(`\r\n\x1b[2m[${step.text}]\x1b[0m\r\n`);
  }
}

/** The player: play/pause, speeds, a seek slider and search in the output. */
function Player({ cast }: { cast: Cast }) {
  const screen = useRef<ReplayScreen | null>(null);
  const state = useRef<PlayState>(initialPlay());
  const [shown, setShown] = useState<PlayState>(initialPlay());
  const [query, setQuery] = useState('');
  const matches = useMemo(() => search(cast, query), [cast, query]);

  const show = (next: PlayState) => {
    state.current = next;
    setShown(next);
  };
  const seekTo = (time: number, playing = state.current.playing) => {
    if (!screen.current) return;
    const out = seek(cast, { ...state.current, playing }, time);
    screen.current.reset(cast.width, cast.height);
    apply(screen.current, out.steps);
    show(out.state);
  };
  const toggle = () => {
    if (state.current.playing) return show({ ...state.current, playing: false });
    const started = play(cast, state.current);
    if (started.restart) seekTo(0, true);
    else show(started.state);
  };
  const keys = useRef({ toggle, seekTo });
  useEffect(() => {
    keys.current = { toggle, seekTo };
  });

  // Playback: one animation frame at a time while playing.
  const playing = shown.playing;
  useEffect(() => {
    if (!playing) return;
    let last = performance.now();
    let frame = requestAnimationFrame(function step(now) {
      const out = tick(cast, state.current, now - last);
      last = now;
      if (screen.current) apply(screen.current, out.steps);
      show(out.state);
      if (out.state.playing) frame = requestAnimationFrame(step);
    });
    return () => cancelAnimationFrame(frame);
  }, [playing, cast]);

  // Space plays or pauses, ← and → jump 5 s.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (isTypingTarget(event.target) || event.ctrlKey || event.metaKey || event.altKey || document.querySelector('[role="dialog"]')) return;
      if (event.key === ' ') keys.current.toggle();
      else if (event.key === 'ArrowLeft') keys.current.seekTo(state.current.time - 5);
      else if (event.key === 'ArrowRight') keys.current.seekTo(state.current.time + 5);
      else return;
      event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div id="replay" data-time={shown.time.toFixed(2)} data-playing={shown.playing} data-duration={cast.duration}>
      <div className="mb-3 flex flex-wrap items-center gap-3 text-sm">
        <button type="button" id="replay-play" className="w-20 rounded bg-blue-600 px-3 py-1 text-white" onClick={toggle} title="Space">
          {shown.playing ? 'Pause' : 'Play'}
        </button>
        <span className="flex gap-1" role="group" aria-label="Speed">
          {SPEEDS.map((speed) => (
            <button
              key={speed}
              type="button"
              data-speed={speed}
              aria-pressed={shown.speed === speed}
              onClick={() => show({ ...state.current, speed })}
              className={`rounded border px-2 py-0.5 ${shown.speed === speed ? 'border-blue-600 bg-blue-50 font-medium dark:bg-blue-950' : 'border-slate-300 dark:border-slate-700'}`}
            >
              ×{speed}
            </button>
          ))}
        </span>
        <input
          type="range"
          id="replay-seek"
          aria-label="Position"
          className="min-w-48 flex-1"
          min={0}
          max={cast.duration}
          step={0.01}
          value={shown.time}
          onChange={(e) => seekTo(Number(e.target.value))}
        />
        <span className="font-mono text-xs" id="replay-clock">
          {formatClock(shown.time)} / {formatClock(cast.duration)}
        </span>
      </div>
      <div className="flex gap-4">
        <div className="overflow-auto rounded bg-slate-900 p-2">
          <ReplayTerminalView
            cols={cast.width}
            rows={cast.height}
            onReady={(s) => {
              screen.current = s;
              apply(s, seek(cast, state.current, state.current.time).steps);
            }}
          />
        </div>
        <aside className="w-72 shrink-0 text-sm">
          <input
            data-search-box=""
            id="replay-search"
            type="search"
            placeholder="Search the output (/)"
            className="w-full rounded border px-2 py-1 dark:bg-slate-800"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
          />
          {query && <p className="mt-1 text-xs text-slate-500" id="replay-match-count">{matches.length === 0 ? 'No match.' : `${matches.length} match${matches.length === 1 ? '' : 'es'}`}</p>}
          <ol className="mt-1 max-h-96 overflow-auto">
            {matches.map((m, i) => (
              <li key={i}>
                <button type="button" data-match={i} data-match-time={m.time} className="w-full truncate rounded px-1 py-0.5 text-left hover:bg-slate-100 dark:hover:bg-slate-800" onClick={() => seekTo(m.time, false)}>
                  <span className="mr-2 font-mono text-xs text-slate-500">{formatClock(m.time)}</span>
                  <span className="font-mono text-xs">{m.preview}</span>
                </button>
              </li>
            ))}
          </ol>
        </aside>
      </div>
      {cast.skipped > 0 && <p className="mt-2 text-xs text-slate-500">{cast.skipped} line(s) of the recording could not be read and were skipped.</p>}
    </div>
  );
}

function Loaded({ text }: { text: string }) {
  const parsed = useMemo((): { cast: Cast } | { error: string } => {
    try {
      return { cast: parseCast(text) };
    } catch (e) {
      return { error: e instanceof CastError ? e.message : String(e) };
    }
  }, [text]);
  if ('error' in parsed) return <ErrorBox error={new Error(parsed.error)} />;
  return (
    <>
      {parsed.cast.title && <p className="mb-3 font-mono text-sm text-slate-500">{parsed.cast.title}</p>}
      <Player cast={parsed.cast} />
    </>
  );
}

/** The replay of a recorded session (asciicast v2), drawn by xterm.js in the browser. */
export function ReplayPage() {
  const { id = '' } = useParams();
  return (
    <div className="p-6" id="replay-page">
      <p className="text-xs text-slate-500">
        <Link className="hover:underline" to={SESSIONS_ROUTE}>Terminal sessions</Link> · recording
      </p>
      <h1 className="mb-3 text-xl font-semibold">Replay of session {id}</h1>
      <Recording key={id} id={id} />
    </div>
  );
}

/** The recording's text is kept in this view only (it may hold what the session showed). */
function Recording({ id }: { id: string }) {
  const recording = useUncachedText(id, (signal) => api.recording(id, signal));
  if (recording.error !== undefined) return <ErrorBox error={recording.error} />;
  if (recording.text === undefined) return <p className="text-sm text-slate-500">Loading…</p>;
  return <Loaded text={recording.text} />;
}
