/**
 * Ctrl-C (SIGINT) for the whole command line: exit status 130 and one line on stderr,
 * "wasserflow <command>: cancelled …", saying what was cancelled and what was kept.
 *
 * main() installs the one handler. A command that can stop cleanly (train keeps its last
 * checkpoint, experiment the files written so far) takes the interrupt with `interruptSignal()`:
 * the first Ctrl-C aborts that signal and the command writes the line itself. Any other command is
 * ended at the first Ctrl-C with "nothing written" (their outputs are written atomically, at the end);
 * a second Ctrl-C ends any command at once.
 *
 * JavaScript sees the signal only between tasks: long synchronous CPU phases (certificates, the
 * exact score's supremum search) yield between their parts so that Ctrl-C is answered promptly.
 */
let controller: AbortController | undefined;
let command = '';
let installed = false;

/** The signal a cooperative command watches: aborted by the first Ctrl-C after this call. */
export function interruptSignal(): AbortSignal {
  controller = new AbortController();
  return controller.signal;
}

/** Let the event loop run (and a pending Ctrl-C be seen) between the parts of long synchronous work. */
export function yieldToSignals(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Install the handler for `name`'s run (main does this once, before the command starts). */
export function installInterruptHandler(name: string): void {
  command = name;
  if (installed) return;
  installed = true;
  process.on('SIGINT', () => {
    if (controller && !controller.signal.aborted) {
      controller.abort();
      return;
    }
    const again = controller?.signal.aborted;
    process.stderr.write(
      `wasserflow ${command}: cancelled${again ? ' at once (a second Ctrl-C, before the first one finished stopping it)' : ' before it finished; nothing was written'}\n`,
    );
    process.exit(130);
  });
}
