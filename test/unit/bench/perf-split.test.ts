import { parse, split } from '../../../bench/perf-split';

// The shape `perf script -F pid,tid,ip,sym,dso` prints, with node's --perf-basic-prof names.
const PERF = [
  ' 2316/2316  ',
  '\t    14c588c Builtins_CallFunction_ReceiverIsNullOrUndefined (/usr/bin/node)',
  '\t    7f27fc3268c0 JS:^put /work/main/dist/pipeline/sqlite-store.js:94:14 (/tmp/perf-2316.map)',
  '\t    7f27fc2868ca JS:^runStep /work/main/dist/pipeline/runner.js:351:18 (/tmp/perf-2316.map)',
  '',
  ' 2316/2316  ',
  '\t    7f27fc237cfb JS:*send /work/main/node_modules/@smithy/core/dist-cjs/index.js:10:20 (/tmp/perf-2316.map)',
  '\t    7f27fc2ab796 JS:^put /work/main/dist/integrations/guest-site.js:10:50 (/tmp/perf-2316.map)',
  '',
  ' 2316/2316  ',
  '\tffffffff8225f8ab do_syscall_64 ([kernel.kallsyms])',
  '\t    7f27fc1 JS:~fireTimeout node:internal/timers:524:25 (/tmp/perf-2316.map)',
  '',
  ' 2316/2320  ',
  '\t    1 v8::internal::compiler::PipelineCompilationJob::ExecuteJobImpl (/usr/bin/node)',
  '\t    2 v8::internal::OptimizingCompileDispatcher::CompileTask::RunInternal (/usr/bin/node)',
  '',
  ' 2316/2321  ',
  '\t    1 v8::internal::Scavenger::ScavengeObject (/usr/bin/node)',
  '',
  ' 2316/2316  ',
  '\t    1 v8::internal::MarkCompactCollector::ProcessMarkingWorklist (/usr/bin/node)',
  '',
  ' 2327/2327  ',
  '\t    7f2 JS:^runBooking /work/main/dist/bench/floor.js:120:1 (/tmp/perf-2327.map)',
  '',
].join('\n');

describe('perf-split', () => {
  const samples = parse(PERF);

  it('reads each sample with its process, thread and frames', () => {
    expect(samples.map((s) => [s.pid, s.main, s.frames.length])).toEqual([
      ['2316', true, 3],
      ['2316', true, 2],
      ['2316', true, 2],
      ['2316', false, 2],
      ['2316', false, 1],
      ['2316', true, 1],
      ['2327', true, 1],
    ]);
  });

  it("charges a main-thread sample to its innermost JavaScript frame's module, and other threads by kind", () => {
    const bot = split(samples, '2316');
    expect(Object.fromEntries(bot.mainKeys)).toEqual({
      'app pipeline/sqlite-store.js': 1,
      '@smithy/core': 1,
      'node:internal/timers': 1,
      'GC (old)': 1,
    });
    expect(Object.fromEntries(bot.threads)).toEqual({ 'V8 optimising compiler': 1, 'GC (young)': 1 });
    expect(Object.fromEntries(bot.groups)).toEqual({
      'bot: its own code': 1,
      'AWS SDK': 1,
      'timers, AbortSignal, events': 1,
      'GC and native, main thread': 1,
    });
  });

  it("keeps the floor's own code apart from the bot's", () => {
    expect(Object.fromEntries(split(samples, '2327').groups)).toEqual({ 'floor: its own code': 1 });
  });
});
