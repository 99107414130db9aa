/*
 * ipc_bench.exe - how fast the supervisor restores service, how promptly it
 * stops, and how little it costs while it waits, measured on the real
 * ConsoleAppController.exe and ConsoleAppListener.exe. Not part of the tests:
 * tests/run.sh bench and build.bat bench build and run it.
 *
 * Every figure is set against a limit measured in the same run, on the same
 * machine, so that the ratios hold on a noisy one:
 *
 *   1. restart latency: TerminateProcess on a listener that ran past the 1 s
 *      start-up window, until the new listener's pid is at offset 0 of the
 *      mapping; against the bench starting the same listener itself
 *      (CreateProcessW until its pid is published), the two in turn (A B A B).
 *   2. stop latency: ConsoleAppController --stop (and the same writes made by
 *      the bench directly) with short units, until the listener and the
 *      controller exit; with long units, how long after the unit's end.
 *   3. idle cost: CPU time and wake-ups of a controller supervising a listener,
 *      against a child of the bench that only sleeps, in the same window.
 *   4. footprint: exe sizes; memory of controller and listener against that
 *      sleeping child, and of the controller against a child that only makes
 *      the one RegisterWaitForSingleObject call the controller waits with (under
 *      Wine that call alone starts two threads, each about 1 MiB).
 *   5. scale: 1, 8, 32 and 64 pairs at once; all listeners killed together;
 *      against as many bare starts at once.
 *   6-9. the hot standby (bench_standby.c): failover latency against a bare
 *      start; the gap on --restart; failover of 1 to 64 pairs at once; what a
 *      waiting standby costs.
 *
 * ipc_bench [--quick] [--out FILE] [--bin DIR] [--kills N] [--only 123456789]
 *           [--bare-flags nowindow|detached] [--keep] [--api]
 * ipc_bench --sleeper TAG     (the bench's own child: sleeps until killed)
 * ipc_bench --waiter TAG PID  (its child: the smallest process that waits the
 *                              way the controller waits for its listener,
 *                              OpenProcess + RegisterWaitForSingleObject on PID)
 * ipc_bench --signal EVENT    (the bench's own child: sets EVENT first thing, exits)
 * ipc_bench --launch GO READY FLAGS NAME   (its child: starts one bare listener when GO is set)
 * ipc_bench --has-console PID (its child: exit code 1 when PID has a console, 0 when not)
 *
 * Processes: every process the bench starts, and every listener its
 * controllers start, is in a job that kills them when the bench exits.
 */
#include "bench.h"

#include "ipc_args.h"
#include "ipc_console.h"
#include "ipc_layout.h"
#include "ipc_mapping.h"
#include "ipc_name.h"
#include "ipc_options.h"
#include "ipc_path.h"
#include "ipc_process.h"
#include "ipc_text.h"
#include "ipc_version.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static BOOL g_none_flags_given = FALSE;

/* ---- many bare starts at once, and the floor ---- */

/*
 * n starts at once, each by a process of its own, as n controllers make them:
 * the bench starts n launchers (its own children, without a console), which
 * wait for one event and then each call CreateProcessW for one bare listener.
 * (From n threads of one process instead, a CreateProcessW call now and then
 * never returned under Wine 8.) Adds each listener's time from the event to its
 * pid published to out; kills the listeners. Returns how many published.
 */
static int BareStartMany(Bench *b, Bare *x, int n, DWORD flags, Samples *out, DWORD server, CpuUse *use)
{
    CpuMark m0;
    CpuMark m1;
    PROCESS_INFORMATION launcher[MAX_PAIRS];
    Pub pub[MAX_PAIRS];
    wchar_t go_name[64];
    wchar_t ready_name[64];
    wchar_t args[512];
    HANDLE go;
    HANDLE ready;
    double t_go;
    int i;
    int started = 0;
    int got = 0;

    NewName(b, L"go", go_name, ARRAYSIZE(go_name));
    NewName(b, L"ready", ready_name, ARRAYSIZE(ready_name));
    go = CreateEventW(NULL, TRUE, FALSE, go_name);
    ready = CreateSemaphoreW(NULL, 0, MAX_PAIRS, ready_name);
    if (go == NULL || ready == NULL) {
        goto done;
    }
    memset(launcher, 0, sizeof(launcher));
    memset(pub, 0, sizeof(pub));
    for (i = 0; i < n; i++) {
        swprintf(args, 512, L"--launch %ls %ls %lu %ls", go_name, ready_name, (unsigned long)flags, x[i].name);
        if (!Spawn(b, b->self, args, DETACHED_PROCESS, FALSE, NULL, &launcher[i], NULL)) {
            break;
        }
        pub[i].map = &x[i].map;
        pub[i].old = IpcMappingReadMessage(&x[i].map); /* the last bare listener's, killed */
        started++;
    }
    for (i = 0; i < started; i++) {
        if (WaitForSingleObject(ready, 60000) != WAIT_OBJECT_0) {
            Progress("ipc_bench: a launcher did not get ready within 60 s");
            break;
        }
    }
    Sleep(200); /* the launchers are in their wait */
    MarkCpu(b, server, &m0);
    t_go = BenchNowMs();
    SetEvent(go);
    got = WaitPublished(pub, started, 120000.0);
    MarkCpu(b, server, &m1);
    AddUse(use, &m0, &m1);
    for (i = 0; i < started; i++) {
        if (pub[i].t != 0.0) {
            HANDLE h = OpenListener(pub[i].pid);
            SamplesAdd(out, pub[i].t - t_go);
            if (h != NULL) {
                TerminateProcess(h, 1);
                x[i].pi.hProcess = h; /* BareStop waits for it */
            }
        }
    }
    for (i = 0; i < started; i++) {
        if (WaitForSingleObject(launcher[i].hProcess, 10000) == WAIT_TIMEOUT) {
            KillAndWait(launcher[i].hProcess);
        }
        CloseProcess(&launcher[i]);
        BareStop(&x[i]);
    }

done:
    if (go != NULL) {
        CloseHandle(go);
    }
    if (ready != NULL) {
        CloseHandle(ready);
    }
    return got;
}

/* ipc_bench --launch GO READY FLAGS NAME: one bare start, when GO is set (in the bench's folder). */
static int Launcher(int argc, wchar_t **argv)
{
    HANDLE go;
    HANDLE ready;
    wchar_t self[MAX_PATH];
    wchar_t dir[MAX_PATH];
    wchar_t listener[MAX_PATH];
    wchar_t cmd[1024];
    unsigned long flags = 0;
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    size_t len = 0;
    DWORD n;

    if (argc != 6 || !IpcParseUnsigned(argv[4], 0, 0xFFFFFFFFul, &flags)) {
        return 2;
    }
    n = GetModuleFileNameW(NULL, self, MAX_PATH);
    if (n == 0 || n >= MAX_PATH) {
        return 1;
    }
    swprintf(dir, MAX_PATH, L"%ls", self);
    dir[IpcPathFileName(dir) - dir] = L'\0';
    swprintf(listener, MAX_PATH, L"%lsConsoleAppListener.exe", dir);
    if (!IpcAppendQuotedArg(cmd, 1024, &len, listener) ||
        swprintf(cmd + len, 1024 - len, L" %ls --work-ms %lu", argv[5], LONG_WORK_MS) < 0) {
        return 1;
    }
    go = OpenEventW(SYNCHRONIZE, FALSE, argv[2]);
    ready = OpenSemaphoreW(SEMAPHORE_MODIFY_STATE, FALSE, argv[3]);
    if (go == NULL || ready == NULL) {
        return 1;
    }
    ReleaseSemaphore(ready, 1, NULL);
    if (WaitForSingleObject(go, 120000) != WAIT_OBJECT_0) {
        return 1;
    }
    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    if (!CreateProcessW(listener, cmd, NULL, NULL, FALSE, (DWORD)flags, NULL, dir, &si, &pi)) {
        return 1;
    }
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    return 0;
}

/*
 * The floor: the bench's own child, which sets an event on the first line of
 * wmain and exits; the same flags as the listener. Returns the time from
 * CreateProcessW to the event, or -1.
 */
static double FloorStart(Bench *b, DWORD flags)
{
    wchar_t name[64];
    wchar_t args[96];
    PROCESS_INFORMATION pi;
    double t0 = 0.0;
    double ms = -1.0;
    HANDLE ev;

    NewName(b, L"floor", name, ARRAYSIZE(name));
    ev = CreateEventW(NULL, TRUE, FALSE, name);
    if (ev == NULL) {
        return -1.0;
    }
    swprintf(args, 96, L"--signal %ls", name);
    if (Spawn(b, b->self, args, flags, FALSE, NULL, &pi, &t0)) {
        if (WaitForSingleObject(ev, 20000) == WAIT_OBJECT_0) {
            ms = BenchNowMs() - t0;
        }
        if (WaitForSingleObject(pi.hProcess, 5000) == WAIT_TIMEOUT) {
            KillAndWait(pi.hProcess);
        }
        CloseProcess(&pi);
    }
    CloseHandle(ev);
    return ms;
}

/*
 * Does the controller give a --console none listener a console (CREATE_NO_WINDOW)
 * or none (DETACHED_PROCESS)? A child of the bench, itself without a console,
 * tries AttachConsole on the listener: that fails with ERROR_INVALID_HANDLE
 * only for a process without a console.
 */
static void DetectNoneFlags(Bench *b)
{
    Pair p;
    PROCESS_INFORMATION probe;
    wchar_t args[64];
    double t_last;
    DWORD code = 2;

    if (!PairStart(b, &p, L"detect", L"none", LONG_WORK_MS) || !PairsPublished(&p, 1, &t_last)) {
        PairFinish(&p, 0);
        return;
    }
    swprintf(args, 64, L"--has-console %ld", (long)p.pid);
    if (Spawn(b, b->self, args, DETACHED_PROCESS, FALSE, NULL, &probe, NULL)) {
        if (WaitForSingleObject(probe.hProcess, 10000) != WAIT_OBJECT_0 || !GetExitCodeProcess(probe.hProcess, &code)) {
            code = 2;
        }
        KillAndWait(probe.hProcess);
        CloseProcess(&probe);
    }
    PairFinish(&p, 0);
    if (code == 0) {
        g_none_flags = DETACHED_PROCESS;
    } else if (code == 1) {
        g_none_flags = CREATE_NO_WINDOW;
    }
    Note(b, "a --console none listener has %s: bare starts use %s (found with AttachConsole from a child)",
         code == 0 ? "no console" : (code == 1 ? "a console" : "an unknown console (the check failed)"),
         FlagName(g_none_flags));
}

/* ---- 1. restart latency ---- */

/*
 * Kills a listener that ran past the start-up window and times the relaunch,
 * then starts the same listener bare, in turn, kills times. console: the
 * controller's --console; bare_flags: CreateProcessW flags the controller uses
 * for it; extra_flags: a third variant started bare in the same turn (0: none).
 */
static void RestartSection(Bench *b, const wchar_t *console, DWORD bare_flags, DWORD extra_flags, int kills)
{
    Pair p;
    Bare bare;
    Bare extra;
    Samples a = {0};
    Samples bs = {0};
    Samples c = {0};
    Samples d = {0};
    Samples react = {0};   /* A: kill -> the new listener's creation time (the controller's part) */
    Samples dead = {0};    /* A: kill -> the killed listener's handle signalled (what Wine takes to end it) */
    Samples create = {0};  /* B: CreateProcessW called -> the listener's creation time */
    double t_last;
    int k;
    int backoffs = 0;
    char figure[128];
    char console8[16];
    Row *r;

    Fmt(console8, sizeof(console8), "%ls", console);
    Progress("1. restart latency, --console %s: %d kills, each against a bare start (A B A B)", console8, kills);
    memset(&bare, 0, sizeof(bare));
    memset(&extra, 0, sizeof(extra));
    if (!BareInit(b, &bare, L"bare") || (extra_flags != 0 && !BareInit(b, &extra, L"bare"))) {
        IpcMappingClose(&bare.map);
        return;
    }
    if (!PairStart(b, &p, L"restart", console, LONG_WORK_MS) || !PairsPublished(&p, 1, &t_last)) {
        PairFinish(&p, 0);
        IpcMappingClose(&bare.map);
        IpcMappingClose(&extra.map);
        return;
    }
    for (k = 0; k < kills; k++) {
        Pub pub;
        HANDLE h;
        double t0;
        double wait = p.t_pub + HEALTHY_WAIT_MS - BenchNowMs();
        double ms;
        uint64_t sys_kill;
        volatile IpcHeader *hdr;

        /* A: the controller relaunches a listener that ran more than 1 s. */
        if (wait > 0) {
            Sleep((DWORD)wait);
        }
        h = OpenListener(p.pid);
        if (h == NULL) {
            Progress("ipc_bench: cannot open listener pid %ld (error %lu)", (long)p.pid, (unsigned long)GetLastError());
            break;
        }
        memset(&pub, 0, sizeof(pub));
        pub.map = &p.map;
        pub.old = p.pid;
        sys_kill = BenchSystemTime();
        t0 = BenchNowMs();
        TerminateProcess(h, 1);
        /* The same wait the controller makes: when the process is seen gone. */
        if (WaitForSingleObject(h, 20000) == WAIT_OBJECT_0) {
            SamplesAdd(&dead, BenchNowMs() - t0);
        }
        if (WaitPublished(&pub, 1, 20000.0) != 1) {
            Progress("ipc_bench: no listener was relaunched within 20 s");
            CloseHandle(h);
            break;
        }
        CloseHandle(h);
        SamplesAdd(&a, pub.t - t0);
        if (pub.t - t0 >= (double)IPC_DEFAULT_RESTART_DELAY_MS * 0.8) {
            backoffs++;
        }
        p.pid = pub.pid;
        p.t_pub = pub.t;
        /* The listener writes its creation time before its pid: the controller's share of the restart. */
        hdr = IpcMappingHeader(&p.map);
        if (hdr != NULL && hdr->listener_pid == (uint32_t)pub.pid && hdr->listener_created > sys_kill) {
            SamplesAdd(&react, (double)(hdr->listener_created - sys_kill) / 10000.0);
        }

        /* B: the same listener started by the bench, after the same quiet. */
        Sleep(300);
        if (!BarePublished(b, &bare, bare_flags, &ms)) {
            break;
        }
        SamplesAdd(&bs, ms);
        hdr = IpcMappingHeader(&bare.map);
        if (hdr != NULL && hdr->listener_pid == (uint32_t)bare.pi.dwProcessId && hdr->listener_created > bare.sys0) {
            SamplesAdd(&create, (double)(hdr->listener_created - bare.sys0) / 10000.0);
        }
        BareStop(&bare);

        if (extra_flags != 0) {
            Sleep(150);
            if (!BareStart(b, &extra, extra_flags)) {
                break;
            }
            memset(&pub, 0, sizeof(pub));
            pub.map = &extra.map;
            pub.want = (LONG)extra.pi.dwProcessId;
            if (WaitPublished(&pub, 1, 20000.0) == 1) {
                SamplesAdd(&c, pub.t - extra.t0);
            }
            BareStop(&extra);

            /* D: the floor, the smallest process with the listener's flags. */
            Sleep(150);
            {
                double floor_ms = FloorStart(b, bare_flags);
                if (floor_ms >= 0) {
                    SamplesAdd(&d, floor_ms);
                }
            }
        }
    }
    PairFinish(&p, 0); /* its listener is in a long unit */
    IpcMappingClose(&bare.map);
    IpcMappingClose(&extra.map);

    Fmt(figure, sizeof(figure), "1. restart latency, --console %s: kill -> new pid in mapping, median / p95",
             console8);
    r = AddRow(b, figure);
    FormatMedP95(r->result, sizeof(r->result), &a);
    FormatBareStart(r->reference, sizeof(r->reference), &bs, bare_flags);
    if (a.n > 0 && bs.n > 0) {
        double ratio = SamplesQuantile(&a, 0.5) / SamplesQuantile(&bs, 0.5);
        Fmt(r->ratio, sizeof(r->ratio), "%.2f (turn by turn %.2f)", ratio, TurnByTurnRatio(&a, &bs));
        Fmt(r->target, sizeof(r->target), "median ratio <= 1.15");
        Fmt(r->verdict, sizeof(r->verdict), "%s", Verdict(ratio <= 1.15));
    }
    Fmt(r->method, sizeof(r->method), "QPC; TerminateProcess -> offset 0 polled every 1 ms; A B A B%s",
             backoffs != 0 ? "; SOME KILLS HIT THE BACK-OFF" : "");
    if (react.n > 0) {
        Fmt(figure, sizeof(figure), "1. --console %s: kill -> new listener process created (the controller's share), median / p95",
                 console8);
        r = AddRow(b, figure);
        FormatMedP95(r->result, sizeof(r->result), &react);
        FormatMedP95(r->reference, sizeof(r->reference), &create);
        Fmt(r->reference + strlen(r->reference), sizeof(r->reference) - strlen(r->reference),
                 " bare: CreateProcessW called -> created");
        Fmt(r->ratio, sizeof(r->ratio), "%+.1f ms", SamplesQuantile(&react, 0.5) - SamplesQuantile(&create, 0.5));
        Fmt(r->target, sizeof(r->target), "(kill seen after %.1f ms)", SamplesQuantile(&dead, 0.5));
        Fmt(r->verdict, sizeof(r->verdict), "info");
        Fmt(r->method, sizeof(r->method),
                 "header listener_created (GetProcessTimes) - system time at TerminateProcess / at CreateProcessW");
        Fmt(figure, sizeof(figure), "restart --console %s, kill -> created", console8);
        NoteSamples(b, figure, &react);
        Fmt(figure, sizeof(figure), "restart --console %s, kill -> the bench sees the process gone", console8);
        NoteSamples(b, figure, &dead);
    }
    Fmt(figure, sizeof(figure), "restart --console %s, A (kill -> relaunched pid)", console8);
    NoteSamples(b, figure, &a);
    Fmt(figure, sizeof(figure), "restart --console %s, B (bare start -> pid)", console8);
    NoteSamples(b, figure, &bs);
    if (c.n > 0) {
        Fmt(figure, sizeof(figure), "1. bare start, %s (%s), median / p95", FlagName(extra_flags),
                 extra_flags == DETACHED_PROCESS ? "no console at all" : "a hidden console");
        r = AddRow(b, figure);
        FormatMedP95(r->result, sizeof(r->result), &c);
        FormatMedP95(r->reference, sizeof(r->reference), &bs);
        Fmt(r->reference + strlen(r->reference), sizeof(r->reference) - strlen(r->reference), " bare start (%s)",
                 FlagName(bare_flags));
        Fmt(r->ratio, sizeof(r->ratio), "%.2f", SamplesQuantile(&c, 0.5) / SamplesQuantile(&bs, 0.5));
        Fmt(r->target, sizeof(r->target), "(what a console costs: conhost)");
        Fmt(r->verdict, sizeof(r->verdict), "info");
        Fmt(r->method, sizeof(r->method), "same turns as the row above (A B C D A B C D)");
        Fmt(figure, sizeof(figure), "bare start %s", FlagName(extra_flags));
        NoteSamples(b, figure, &c);
    }
    if (d.n > 0) {
        r = AddRow(b, "1. floor: the smallest process (bench child), CreateProcessW -> first line of wmain, median / p95");
        FormatMedP95(r->result, sizeof(r->result), &d);
        FormatMedP95(r->reference, sizeof(r->reference), &bs);
        Fmt(r->reference + strlen(r->reference), sizeof(r->reference) - strlen(r->reference),
                 " listener bare start to pid");
        Fmt(r->ratio, sizeof(r->ratio), "%+.1f ms", SamplesQuantile(&bs, 0.5) - SamplesQuantile(&d, 0.5));
        Fmt(r->target, sizeof(r->target), "(listener's work before publishing)");
        Fmt(r->verdict, sizeof(r->verdict), "info");
        Fmt(r->method, sizeof(r->method), "same flags (%s); a named event set first thing in wmain",
                 FlagName(bare_flags));
        NoteSamples(b, "floor (smallest process to wmain)", &d);
    }
    SamplesFree(&a);
    SamplesFree(&bs);
    SamplesFree(&c);
    SamplesFree(&d);
    SamplesFree(&react);
    SamplesFree(&dead);
    SamplesFree(&create);
}

/* ---- 2. stop latency ---- */

typedef struct StopRun {
    double listener_ms;   /* stop sent -> listener exited */
    double controller_ms; /* stop sent -> controller exited */
    double stopper_ms;    /* stop sent -> ConsoleAppController --stop exited (0 for a direct stop) */
    double past_listener; /* unit's end (last_progress) -> listener exited */
    double past_controller;
    BOOL ok;
} StopRun;

/*
 * One pair with units of work_ms: started, published, delay_ms later the stop is
 * sent (by ConsoleAppController --stop NAME, or directly), then the exits are timed.
 */
static StopRun StopOnce(Bench *b, unsigned long work_ms, DWORD delay_ms, BOOL via_command)
{
    StopRun run;
    Pair p;
    PROCESS_INFORMATION stopper;
    HANDLE listener = NULL;
    HANDLE handles[3];
    int which[3];
    int n = 0;
    double t0 = 0.0;
    double t_listener = 0.0;
    double t_controller = 0.0;
    double t_stopper = 0.0;
    uint64_t sys_listener = 0;
    uint64_t sys_controller = 0;
    double t_last;
    volatile IpcHeader *h;
    uint64_t last_progress;

    memset(&run, 0, sizeof(run));
    memset(&stopper, 0, sizeof(stopper));
    if (!PairStart(b, &p, L"stop", L"none", work_ms) || !PairsPublished(&p, 1, &t_last)) {
        PairFinish(&p, 5000);
        return run;
    }
    listener = OpenListener(p.pid);
    Sleep(delay_ms);
    if (via_command) {
        wchar_t args[128];
        swprintf(args, 128, L"--stop %ls --timeout 30000", p.name);
        if (!Spawn(b, b->controller, args, CREATE_NO_WINDOW, TRUE, NULL, &stopper, &t0)) {
            goto done;
        }
    } else {
        t0 = BenchNowMs();
        PairStopDirect(&p);
    }
    if (listener != NULL) {
        handles[n] = listener;
        which[n++] = 0;
    }
    handles[n] = p.ctl.hProcess;
    which[n++] = 1;
    if (stopper.hProcess != NULL) {
        handles[n] = stopper.hProcess;
        which[n++] = 2;
    }
    while (n > 0) {
        DWORD r = WaitForMultipleObjects((DWORD)n, handles, FALSE, 30000);
        double t = BenchNowMs();
        uint64_t sys = BenchSystemTime();
        int i;
        if (r >= WAIT_OBJECT_0 + (DWORD)n) {
            Progress("ipc_bench: the stop did not complete within 30 s");
            goto done;
        }
        i = (int)(r - WAIT_OBJECT_0);
        switch (which[i]) {
        case 0:
            t_listener = t;
            sys_listener = sys;
            break;
        case 1:
            t_controller = t;
            sys_controller = sys;
            break;
        default:
            t_stopper = t;
            break;
        }
        handles[i] = handles[n - 1];
        which[i] = which[n - 1];
        n--;
    }
    h = IpcMappingHeader(&p.map);
    last_progress = h != NULL ? h->last_progress : 0;
    run.listener_ms = t_listener - t0;
    run.controller_ms = t_controller - t0;
    run.stopper_ms = t_stopper != 0.0 ? t_stopper - t0 : 0.0;
    if (last_progress != 0 && sys_listener != 0) {
        run.past_listener = ((double)sys_listener - (double)last_progress) / 10000.0;
        run.past_controller = ((double)sys_controller - (double)last_progress) / 10000.0;
        run.ok = listener != NULL;
    }

done:
    if (listener != NULL) {
        CloseHandle(listener);
    }
    if (stopper.hProcess != NULL) {
        WaitForSingleObject(stopper.hProcess, 10000);
        CloseProcess(&stopper);
    }
    PairFinish(&p, 10000);
    return run;
}

static void StopSection(Bench *b)
{
    const unsigned long short_ms = 50;
    const unsigned long long_ms = 1500;
    int rounds = b->quick ? 3 : 8;
    int long_rounds = b->quick ? 2 : 5;
    Samples ls[2] = {{0}}, cs[2] = {{0}}, ss = {0}, pl[2] = {{0}}, pc[2] = {{0}};
    Samples lpl = {0}, lpc = {0}, lls = {0};
    int i;
    int m;
    Row *r;

    Progress("2. stop latency: %d + %d stops with %lu ms units, %d with %lu ms units", rounds, rounds, short_ms,
             long_rounds, long_ms);
    for (i = 0; i < rounds * 2; i++) {
        /* Alternate --stop and the direct stop; spread the moment over the unit. */
        BOOL via = i % 2 == 0;
        StopRun run = StopOnce(b, short_ms, (DWORD)(200 + (i * 17) % 50), via);
        m = via ? 0 : 1;
        if (!run.ok) {
            continue;
        }
        SamplesAdd(&ls[m], run.listener_ms);
        SamplesAdd(&cs[m], run.controller_ms);
        SamplesAdd(&pl[m], run.past_listener);
        SamplesAdd(&pc[m], run.past_controller);
        if (via) {
            SamplesAdd(&ss, run.stopper_ms);
        }
    }
    for (i = 0; i < long_rounds; i++) {
        StopRun run = StopOnce(b, long_ms, 300, TRUE);
        if (!run.ok) {
            continue;
        }
        SamplesAdd(&lpl, run.past_listener);
        SamplesAdd(&lpc, run.past_controller);
        SamplesAdd(&lls, run.listener_ms);
    }

    for (m = 0; m < 2; m++) {
        r = AddRow(b, m == 0 ? "2. stop, 50 ms units, by ConsoleAppController --stop: to listener exit / controller exit, median"
                             : "2. stop, 50 ms units, the same writes made by the bench: to listener exit / controller exit, median");
        Fmt(r->result, sizeof(r->result), "%.1f / %.1f ms (p95 %.1f / %.1f, n=%d)", SamplesQuantile(&ls[m], 0.5),
                 SamplesQuantile(&cs[m], 0.5), SamplesQuantile(&ls[m], 0.95), SamplesQuantile(&cs[m], 0.95), ls[m].n);
        if (m == 0) {
            Fmt(r->reference, sizeof(r->reference), "--stop itself exits at %.1f ms", SamplesQuantile(&ss, 0.5));
        } else {
            Fmt(r->reference, sizeof(r->reference), "a 50 ms unit: %.1f ms to its end on average", 25.0);
        }
        Fmt(r->target, sizeof(r->target), "(the unit's rest + the figure below)");
        Fmt(r->verdict, sizeof(r->verdict), "info");
        Fmt(r->method, sizeof(r->method), "QPC; WaitForMultipleObjects on the processes");
        r = AddRow(b, m == 0 ? "2. stop, 50 ms units, by --stop: past the unit's end to listener exit / controller exit, median / p95"
                             : "2. stop, 50 ms units, direct: past the unit's end to listener exit / controller exit, median / p95");
        Fmt(r->result, sizeof(r->result), "%.1f / %.1f ms (p95 %.1f / %.1f)", SamplesQuantile(&pl[m], 0.5),
                 SamplesQuantile(&pc[m], 0.5), SamplesQuantile(&pl[m], 0.95), SamplesQuantile(&pc[m], 0.95));
        Fmt(r->target, sizeof(r->target), "< 20 ms (p95, controller exit)");
        Fmt(r->verdict, sizeof(r->verdict), "%s", Verdict(pc[m].n > 0 && SamplesQuantile(&pc[m], 0.95) < 20.0));
        Fmt(r->method, sizeof(r->method), "header last_progress (GetSystemTimeAsFileTime%s) -> exit seen by the bench",
                 b->wine ? ", precise under Wine" : ", +-1 tick on Windows");
    }
    r = AddRow(b, "2. stop, 1500 ms units, by --stop 300 ms into the unit: past the unit's end to listener / controller exit, median / p95");
    Fmt(r->result, sizeof(r->result), "%.1f / %.1f ms (p95 %.1f / %.1f, n=%d)", SamplesQuantile(&lpl, 0.5),
             SamplesQuantile(&lpc, 0.5), SamplesQuantile(&lpl, 0.95), SamplesQuantile(&lpc, 0.95), lpl.n);
    Fmt(r->reference, sizeof(r->reference), "stop sent -> listener exit %.1f ms", SamplesQuantile(&lls, 0.5));
    Fmt(r->target, sizeof(r->target), "< 20 ms (p95, controller exit)");
    Fmt(r->verdict, sizeof(r->verdict), "%s", Verdict(lpc.n > 0 && SamplesQuantile(&lpc, 0.95) < 20.0));
    Fmt(r->method, sizeof(r->method), "as above");
    NoteSamples(b, "stop 50 ms units via --stop, past unit end to listener exit", &pl[0]);
    NoteSamples(b, "stop 50 ms units via --stop, past unit end to controller exit", &pc[0]);
    NoteSamples(b, "stop 50 ms units direct, past unit end to listener exit", &pl[1]);
    NoteSamples(b, "stop 50 ms units direct, past unit end to controller exit", &pc[1]);
    NoteSamples(b, "stop 1500 ms units, past unit end to listener exit", &lpl);
    NoteSamples(b, "stop 1500 ms units, past unit end to controller exit", &lpc);
    for (m = 0; m < 2; m++) {
        SamplesFree(&ls[m]);
        SamplesFree(&cs[m]);
        SamplesFree(&pl[m]);
        SamplesFree(&pc[m]);
    }
    SamplesFree(&ss);
    SamplesFree(&lpl);
    SamplesFree(&lpc);
    SamplesFree(&lls);
}

/* ---- 3. idle cost and 4. footprint ---- */

static void FileSizeRow(Bench *b, const wchar_t *path)
{
    WIN32_FILE_ATTRIBUTE_DATA fa;
    char figure[128];
    Row *r;
    double kib;

    Fmt(figure, sizeof(figure), "4. size of %ls", IpcPathFileName(path));
    r = AddRow(b, figure);
    if (!GetFileAttributesExW(path, GetFileExInfoStandard, &fa)) {
        Fmt(r->result, sizeof(r->result), "missing");
        return;
    }
    kib = (double)(((uint64_t)fa.nFileSizeHigh << 32) | fa.nFileSizeLow) / 1024.0;
    Fmt(r->result, sizeof(r->result), "%.1f KiB", kib);
    Fmt(r->target, sizeof(r->target), "< 100 KiB");
    Fmt(r->verdict, sizeof(r->verdict), "%s", Verdict(kib < 100.0));
    Fmt(r->method, sizeof(r->method), "the file as built (tests/run.sh: -O2 -s -static)");
}

static void IdleSection(Bench *b)
{
    Pair p;
    PROCESS_INFORMATION sleeper;
    PROCESS_INFORMATION waiter;
    Watched w[4];
    wchar_t tag[64];
    wchar_t wtag[64];
    wchar_t args[128];
    double t_last;
    DWORD window = b->quick ? 3000 : 10000;
    int i;
    Row *r;
    HANDLE listener = NULL;
    BOOL linux_way = b->wine && !b->api;

    Progress("3. idle cost and 4. footprint: %lu s of a controller and its listener, beside a sleeping child",
             (unsigned long)window / 1000);
    memset(&sleeper, 0, sizeof(sleeper));
    memset(&waiter, 0, sizeof(waiter));
    memset(w, 0, sizeof(w));
    NewName(b, L"sleeper", tag, ARRAYSIZE(tag));
    NewName(b, L"waiter", wtag, ARRAYSIZE(wtag));
    swprintf(args, 128, L"--sleeper %ls", tag);
    if (!PairStart(b, &p, L"idle", L"none", 0) || !Spawn(b, b->self, args, g_none_flags, TRUE, NULL, &sleeper, NULL)) {
        goto done;
    }
    swprintf(args, 128, L"--waiter %ls %lu", wtag, (unsigned long)sleeper.dwProcessId);
    if (!Spawn(b, b->self, args, g_none_flags, TRUE, NULL, &waiter, NULL) || !PairsPublished(&p, 1, &t_last)) {
        goto done;
    }
    listener = OpenListener(p.pid);
    Sleep(2000); /* start-up is over */
    w[0].label = "controller";
    w[0].process = p.ctl.hProcess;
    w[0].pid = p.ctl.dwProcessId;
    w[1].label = "listener";
    w[1].process = listener;
    w[1].pid = (DWORD)p.pid;
    w[2].label = "sleeper";
    w[2].process = sleeper.hProcess;
    w[2].pid = sleeper.dwProcessId;
    w[3].label = "waiter";
    w[3].process = waiter.hProcess;
    w[3].pid = waiter.dwProcessId;
    if (b->wine) {
        w[0].linux_pid = BenchLinuxPid(IpcPathFileName(b->controller), p.name);
        w[1].linux_pid = BenchLinuxPid(IpcPathFileName(b->listener), p.name);
        w[2].linux_pid = BenchLinuxPid(IpcPathFileName(b->self), tag);
        w[3].linux_pid = BenchLinuxPid(IpcPathFileName(b->self), wtag);
        for (i = 0; i < 4; i++) {
            if (w[i].linux_pid == 0) {
                Progress("ipc_bench: the Linux process of the %s was not found in /proc", w[i].label);
            }
        }
        Note(b, "idle: Linux pids controller %lu, listener %lu, sleeper %lu, waiter %lu", (unsigned long)w[0].linux_pid,
             (unsigned long)w[1].linux_pid, (unsigned long)w[2].linux_pid, (unsigned long)w[3].linux_pid);
    }
    for (i = 0; i < 4; i++) {
        WatchedRead(b, &w[i], &w[i].before);
        Note(b, "CPU since its start (start-up, then 2 s idle) of the %s: %.0f ms (utime+stime)%s", w[i].label,
             w[i].before.cpu_ms, linux_way ? ", conhost and wineserver not included" : "");
    }
    Sleep(window);
    for (i = 0; i < 4; i++) {
        WatchedRead(b, &w[i], &w[i].after);
    }
    if (b->wine) {
        /* The evidence for reading /proc: what the Windows calls say about the same processes. */
        for (i = 0; i < 4; i++) {
            ProcFigures api;
            BenchFiguresApi(w[i].process, w[i].pid, &api);
            Note(b, "under Wine, GetProcessTimes/GetProcessMemoryInfo of the %s: CPU %.1f ms, working set %.0f KiB, private %.0f KiB",
                 w[i].label, api.cpu_ms, api.rss_kib, api.private_kib);
        }
    }

    IdleRows(b, 3, &w[0], &w[2], window, NULL, NULL);
    {
        char units[32];
        Fmt(units, sizeof(units), "(%lu units)", (unsigned long)window / 6000);
        IdleRows(b, 3, &w[1], &w[2], window, "(a unit every 6 s)", units);
    }

    FileSizeRow(b, b->controller);
    FileSizeRow(b, b->listener);
    for (i = 0; i < 2; i++) {
        char figure[128];
        Fmt(figure, sizeof(figure), "4. memory of the %s (%s)", w[i].label, linux_way ? "VmRSS" : "working set");
        MemoryRow(b, figure, &w[i], &w[2], linux_way ? "/proc/PID/status VmRSS, RssAnon, Threads" : "GetProcessMemoryInfo WorkingSetSize, PrivateUsage");
    }
    {
        /*
         * The controller waits for its listener with RegisterWaitForSingleObject.
         * The waiter makes that call and nothing else, so the controller's
         * distance to it is the controller's own cost, and the waiter's
         * distance to the sleeper is what the call costs on this system:
         * under Wine a wait thread and a pool worker, each with a stack that
         * Wine's thread start writes to (about 1 MiB each, measured below);
         * on Windows the wait thread's few committed stack pages.
         */
        Watched *s = &w[2];
        Watched *wt = &w[3];
        double extra_threads = (double)(wt->after.threads - s->after.threads);
        MemoryRow(b, linux_way ? "4. memory of the controller (VmRSS) against its floor: a child that only waits with RegisterWaitForSingleObject"
                               : "4. memory of the controller (working set) against its floor: a child that only waits with RegisterWaitForSingleObject",
                  &w[0], wt, "as above; the waiter: OpenProcess + the controller's RegisterWaitForSingleObject flags");
        r = AddRow(b, "4. what the RegisterWaitForSingleObject call costs here: waiter - sleeper");
        Fmt(r->result, sizeof(r->result), "%+.0f KiB (private %+.0f KiB), %+.0f threads",
            Delta(wt->after.rss_kib, s->after.rss_kib), Delta(wt->after.private_kib, s->after.private_kib), extra_threads);
        if (extra_threads > 0) {
            Fmt(r->ratio, sizeof(r->ratio), "%.0f KiB a thread", Delta(wt->after.private_kib, s->after.private_kib) / extra_threads);
        }
        Fmt(r->target, sizeof(r->target), "(the system's, not ours)");
        Fmt(r->verdict, sizeof(r->verdict), "info");
        Fmt(r->method, sizeof(r->method), "%s", linux_way ? "/proc/PID/status RssAnon and Threads of the two children" : "GetProcessMemoryInfo PrivateUsage");
    }

done:
    if (listener != NULL) {
        CloseHandle(listener);
    }
    PairFinish(&p, 0);
    KillAndWait(waiter.hProcess);
    CloseProcess(&waiter);
    KillAndWait(sleeper.hProcess);
    CloseProcess(&sleeper);
}

/* ---- 5. scale ---- */

typedef struct ScaleResult {
    int n;
    double start_all;
    Samples restart;
    Samples bare;
    double stop_all;
    CpuUse use_restart;
    CpuUse use_bare;
    BOOL ok;
} ScaleResult;

static void ScaleOne(Bench *b, int n, int rounds, unsigned long work_ms, ScaleResult *res)
{
    static Pair pairs[MAX_PAIRS];
    static Bare bare[MAX_PAIRS];
    Pub pub[MAX_PAIRS];
    double t_kill[MAX_PAIRS];
    wchar_t work[64];
    double t0;
    double t_last;
    double t_end;
    int i;
    int round;
    int started = 0;

    DWORD server = b->wine ? BenchWineserverPid() : 0;
    CpuMark m0;
    CpuMark m1;

    memset(res, 0, sizeof(*res));
    res->n = n;
    Progress("5. scale: %d pair%s, %d round%s of kills", n, n == 1 ? "" : "s", rounds, rounds == 1 ? "" : "s");
    swprintf(work, 64, L"--work-ms %lu", work_ms);
    t0 = BenchNowMs();
    started = PairsStart(b, pairs, n, L"scale", L"--console none", work);
    if (started != n || !PairsPublished(pairs, n, &t_last)) {
        goto done;
    }
    res->start_all = t_last - t0;
    for (i = 0; i < n; i++) {
        if (!BareInit(b, &bare[i], L"sbare")) {
            goto done;
        }
    }
    for (round = 0; round < rounds; round++) {
        int got;

        /* Every listener past the start-up window, then all killed. */
        PairsKillAtOnce(b, pairs, n, pub, t_kill, NULL, server, &m0, -1.0);
        got = WaitPublished(pub, n, 120000.0);
        MarkCpu(b, server, &m1);
        AddUse(&res->use_restart, &m0, &m1);
        for (i = 0; i < n; i++) {
            if (pub[i].t != 0.0) {
                SamplesAdd(&res->restart, pub[i].t - t_kill[i]);
                pairs[i].pid = pub[i].pid;
                pairs[i].t_pub = pub[i].t;
            }
        }
        if (got != n) {
            Progress("ipc_bench: %d of %d listeners were not relaunched within 120 s", n - got, n);
            goto done;
        }

        /* The limit: as many bare starts at once, from as many threads. */
        Sleep(300);
        BareStartMany(b, bare, n, g_none_flags, &res->bare, server, &res->use_bare);
        Sleep(300);
    }

    /* Stop them all at once, as --stop does for each. */
    t0 = BenchNowMs();
    for (i = 0; i < n; i++) {
        PairStopDirect(&pairs[i]);
    }
    t_end = t0;
    for (i = 0; i < n; i++) {
        if (WaitForSingleObject(pairs[i].ctl.hProcess, 60000) != WAIT_OBJECT_0) {
            Progress("ipc_bench: a controller did not stop within 60 s");
            goto done;
        }
    }
    t_end = BenchNowMs();
    res->stop_all = t_end - t0;
    res->ok = TRUE;

done:
    for (i = 0; i < started; i++) {
        PairFinish(&pairs[i], res->ok ? 10000 : 0); /* after a failure, no graceful stops of 10 s each */
    }
    for (i = 0; i < n; i++) {
        IpcMappingClose(&bare[i].map);
    }
}

static void ScaleSection(Bench *b)
{
    static const int counts[] = {1, 8, 32, 64};
    int rounds_full[] = {10, 4, 2, 2};
    int rounds_quick[] = {3, 1, 1, 1};
    ScaleResult res[4];
    int k;
    int last = b->quick ? 2 : 4;
    const unsigned long work_ms = 1000;
    Row *r;

    memset(res, 0, sizeof(res));
    for (k = 0; k < last; k++) {
        ScaleOne(b, counts[k], b->quick ? rounds_quick[k] : rounds_full[k], work_ms, &res[k]);
        Sleep(1000);
    }
    for (k = 0; k < last; k++) {
        char figure[128];
        char what[64];
        ScaleResult *s = &res[k];
        if (!s->ok && s->restart.n == 0) {
            continue;
        }
        Fmt(figure, sizeof(figure), "5. scale, %d pair%s: start all / stop all (units of %lu ms)", s->n,
                 s->n == 1 ? "" : "s", work_ms);
        r = AddRow(b, figure);
        Fmt(r->result, sizeof(r->result), "%.0f ms / %.0f ms", s->start_all, s->stop_all);
        Fmt(r->target, sizeof(r->target), "(stop includes the unit in progress)");
        Fmt(r->verdict, sizeof(r->verdict), "info");
        Fmt(r->method, sizeof(r->method), "start: CreateProcessW of the controllers -> every pid published; stop: the --stop writes for all -> every controller exited");
        Fmt(figure, sizeof(figure), "5. scale, %d pair%s: all listeners killed at once -> relaunched, p50 / p95", s->n,
                 s->n == 1 ? "" : "s");
        r = AddRow(b, figure);
        Fmt(r->result, sizeof(r->result), "%.1f / %.1f ms (n=%d)", SamplesQuantile(&s->restart, 0.5),
                 SamplesQuantile(&s->restart, 0.95), s->restart.n);
        Fmt(r->reference, sizeof(r->reference), "%d bare starts at once (a launcher process each): %.1f / %.1f ms", s->n,
                 SamplesQuantile(&s->bare, 0.5), SamplesQuantile(&s->bare, 0.95));
        if (s->bare.n > 0) {
            Fmt(r->ratio, sizeof(r->ratio), "%.2f (p95)", SamplesQuantile(&s->restart, 0.95) / SamplesQuantile(&s->bare, 0.95));
        }
        if (k > 0 && res[0].restart.n > 0) {
            double x = SamplesQuantile(&s->restart, 0.95) / SamplesQuantile(&res[0].restart, 0.95);
            Fmt(r->target, sizeof(r->target), "p95 %.2fx the single pair's%s", x, s->n == 64 ? " (<= 3x)" : "");
            Fmt(r->verdict, sizeof(r->verdict), "%s", s->n == 64 ? Verdict(x <= 3.0) : "info");
        } else {
            Fmt(r->verdict, sizeof(r->verdict), "info");
        }
        Fmt(r->method, sizeof(r->method), "QPC; each mapping polled every 1 ms");
        if (b->wine) {
            char u1[96];
            char u2[96];
            FormatUse(u1, sizeof(u1), &s->use_restart);
            FormatUse(u2, sizeof(u2), &s->use_bare);
            Note(b, "scale %d: during the relaunches %s; during the bare starts %s", s->n, u1, u2);
        }
        if (k > 0 && s->bare.n > 0 && res[0].bare.n > 0) {
            /*
             * The same ratio for the machine alone: N bare starts at once
             * against one, with no controller anywhere. Every start costs
             * CPU (under Wine a whole Unix process, its loader and the
             * wineserver's share), so N at once on P processors take about
             * N/P times one: the floor below which the supervised ratio
             * above cannot go, whatever the supervisor does.
             */
            double floor95 = SamplesQuantile(&s->bare, 0.95) / SamplesQuantile(&res[0].bare, 0.95);
            Fmt(figure, sizeof(figure), "5. scale, %d bare starts at once against one (no controller): the machine's floor, p95", s->n);
            r = AddRow(b, figure);
            Fmt(r->result, sizeof(r->result), "%.2fx (%.1f against %.1f ms)", floor95, SamplesQuantile(&s->bare, 0.95),
                SamplesQuantile(&res[0].bare, 0.95));
            {
                SYSTEM_INFO si;
                GetSystemInfo(&si);
                Fmt(r->reference, sizeof(r->reference), "%lu logical processors", (unsigned long)si.dwNumberOfProcessors);
            }
            Fmt(r->target, sizeof(r->target), "%s", s->n == 64 ? "(above 3x: the 3x target is out of reach here)" : "");
            Fmt(r->verdict, sizeof(r->verdict), "info");
            Fmt(r->method, sizeof(r->method), "the bare starts of the row above, against the single bare start");
        }
        Fmt(what, sizeof(what), "scale %d, restart", s->n);
        NoteSamples(b, what, &s->restart);
        Fmt(what, sizeof(what), "scale %d, bare", s->n);
        NoteSamples(b, what, &s->bare);
    }
    for (k = 0; k < 4; k++) {
        SamplesFree(&res[k].restart);
        SamplesFree(&res[k].bare);
    }
}

/* ---- output ---- */

typedef struct Text {
    char *p;
    size_t len;
    size_t cap;
} Text;

static void Put(Text *t, const char *fmt, ...)
{
    va_list ap;
    int n;
    if (t->cap - t->len < 4096) {
        size_t cap = t->cap * 2 + 65536;
        char *p = (char *)realloc(t->p, cap);
        if (p == NULL) {
            return;
        }
        t->p = p;
        t->cap = cap;
    }
    va_start(ap, fmt);
    n = vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    if (n > 0) {
        t->len += (size_t)n < t->cap - t->len ? (size_t)n : t->cap - t->len - 1;
    }
}

static void PutCell(Text *t, const char *s, size_t width)
{
    size_t n = strlen(s);
    Put(t, " %s", s);
    while (n++ < width) {
        Put(t, " ");
    }
    Put(t, " |");
}

static void RowCells(const Row *r, const char *cells[7])
{
    cells[0] = r->figure;
    cells[1] = r->result;
    cells[2] = r->reference;
    cells[3] = r->ratio;
    cells[4] = r->target;
    cells[5] = r->verdict;
    cells[6] = r->method;
}

static void Render(Bench *b, Text *t, const char *machine)
{
    static const char *heads[7] = {"figure", "result", "limit measured in the same run", "ratio", "target", "verdict", "how"};
    size_t width[7];
    int i;
    int c;
    SYSTEMTIME st;

    GetSystemTime(&st);
    Put(t, "ipc_bench %s, %04u-%02u-%02u %02u:%02u UTC, %.0f s%s\n", IPC_VERSION_STRING, st.wYear, st.wMonth, st.wDay,
        st.wHour, st.wMinute, (BenchNowMs() - b->started) / 1000.0, b->quick ? " (--quick)" : "");
    Put(t, "machine: %s\n", machine);
    Put(t, "programs: %ls\n\n", b->bin);
    for (c = 0; c < 7; c++) {
        width[c] = strlen(heads[c]);
    }
    for (i = 0; i < b->nrows; i++) {
        const char *cells[7];
        RowCells(&b->rows[i], cells);
        for (c = 0; c < 7; c++) {
            if (strlen(cells[c]) > width[c]) {
                width[c] = strlen(cells[c]);
            }
        }
    }
    Put(t, "|");
    for (c = 0; c < 7; c++) {
        PutCell(t, heads[c], width[c]);
    }
    Put(t, "\n|");
    for (c = 0; c < 7; c++) {
        size_t k;
        Put(t, " ");
        for (k = 0; k < width[c]; k++) {
            Put(t, "-");
        }
        Put(t, " |");
    }
    Put(t, "\n");
    for (i = 0; i < b->nrows; i++) {
        const char *cells[7];
        RowCells(&b->rows[i], cells);
        Put(t, "|");
        for (c = 0; c < 7; c++) {
            PutCell(t, cells[c], width[c]);
        }
        Put(t, "\n");
    }
    Put(t, "\nsamples and notes:\n%s", b->notes);
}

static void WriteAll(HANDLE h, const char *p, size_t len)
{
    DWORD written;
    while (len > 0) {
        DWORD chunk = len > 65536 ? 65536 : (DWORD)len;
        if (!WriteFile(h, p, chunk, &written, NULL) || written == 0) {
            return;
        }
        p += written;
        len -= written;
    }
}

/* ---- main ---- */

static const wchar_t kUsage[] =
    L"Usage: ipc_bench [--quick] [--out FILE] [--bin DIR] [--kills N] [--only 123456789]\n"
    L"                 [--bare-flags nowindow|detached] [--keep] [--api]\n"
    L"\n"
    L"Measures ConsoleAppController.exe and ConsoleAppListener.exe (beside this program,\n"
    L"or in DIR) and prints a table, also written to FILE (default ipc_bench_results.md\n"
    L"beside this program). --quick: fewer samples and a 3 s idle window (a smoke test).\n"
    L"--kills N: restart and failover samples with --console none (default 30; 15 with\n"
    L"--console new).\n"
    L"--only: run only the sections named by their digits (3 and 4 run together).\n"
    L"--bare-flags nowindow|detached: start bare listeners with CREATE_NO_WINDOW or\n"
    L"DETACHED_PROCESS (default: as the controller starts a --console none listener,\n"
    L"found out at the start of the run).\n"
    L"--keep: keep the programs' logs (in %TEMP%\\ipcbench-PID).\n"
    L"--api: read other processes the Windows way even under Wine (a test of that code;\n"
    L"its figures are wrong there).\n";

static BOOL Setup(Bench *b, int argc, wchar_t **argv)
{
    int i;
    DWORD n;
    SECURITY_ATTRIBUTES sa = {sizeof(sa), NULL, TRUE};
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits;
    unsigned long v;

    b->kills = 30;
    b->kills_new = 15;
    b->sections = 0x3FE; /* sections 1 to 9 */
    n = GetModuleFileNameW(NULL, b->self, MAX_PATH);
    if (n == 0 || n >= MAX_PATH) {
        return FALSE;
    }
    swprintf(b->bin, MAX_PATH, L"%ls", b->self);
    b->bin[IpcPathFileName(b->bin) - b->bin] = L'\0';
    for (i = 1; i < argc; i++) {
        if (wcscmp(argv[i], L"--quick") == 0) {
            b->quick = TRUE;
        } else if (wcscmp(argv[i], L"--api") == 0) {
            b->api = TRUE;
        } else if (wcscmp(argv[i], L"--keep") == 0) {
            b->keep = TRUE;
        } else if (wcscmp(argv[i], L"--out") == 0 && i + 1 < argc) {
            n = GetFullPathNameW(argv[++i], MAX_PATH, b->out_path, NULL);
            if (n == 0 || n >= MAX_PATH) {
                return FALSE;
            }
        } else if (wcscmp(argv[i], L"--bin") == 0 && i + 1 < argc) {
            n = GetFullPathNameW(argv[++i], MAX_PATH - 1, b->bin, NULL);
            if (n == 0 || n >= MAX_PATH - 1) {
                return FALSE;
            }
            if (b->bin[wcslen(b->bin) - 1] != L'\\') {
                size_t len = wcslen(b->bin);
                b->bin[len] = L'\\';
                b->bin[len + 1] = L'\0';
            }
        } else if (wcscmp(argv[i], L"--bare-flags") == 0 && i + 1 < argc) {
            i++;
            g_none_flags_given = TRUE;
            if (wcscmp(argv[i], L"detached") == 0) {
                g_none_flags = DETACHED_PROCESS;
            } else if (wcscmp(argv[i], L"nowindow") == 0) {
                g_none_flags = CREATE_NO_WINDOW;
            } else {
                IpcPrintErr(L"%ls", kUsage);
                return FALSE;
            }
        } else if (wcscmp(argv[i], L"--only") == 0 && i + 1 < argc) {
            const wchar_t *q;
            b->sections = 0;
            for (q = argv[++i]; *q != L'\0'; q++) {
                if (*q >= L'1' && *q <= L'9') {
                    b->sections |= 1u << (*q - L'0');
                }
            }
        } else if (wcscmp(argv[i], L"--kills") == 0 && i + 1 < argc && IpcParseUnsigned(argv[++i], 1, 1000, &v)) {
            b->kills = (int)v;
            b->kills_new = (int)(v + 1) / 2;
        } else {
            IpcPrintErr(L"%ls", kUsage);
            return FALSE;
        }
    }
    if (b->quick && b->kills == 30) {
        b->kills = 6;
        b->kills_new = 3;
    }
    swprintf(b->controller, MAX_PATH, L"%lsConsoleAppController.exe", b->bin);
    swprintf(b->listener, MAX_PATH, L"%lsConsoleAppListener.exe", b->bin);
    if (GetFileAttributesW(b->controller) == INVALID_FILE_ATTRIBUTES ||
        GetFileAttributesW(b->listener) == INVALID_FILE_ATTRIBUTES) {
        IpcPrintErr(L"ipc_bench: %ls or %ls is missing", b->controller, b->listener);
        return FALSE;
    }
    if (b->out_path[0] == L'\0') {
        swprintf(b->out_path, MAX_PATH, L"%ls", b->self);
        swprintf(b->out_path + (IpcPathFileName(b->out_path) - b->out_path), MAX_PATH, L"ipc_bench_results.md");
    }
    n = GetTempPathW(MAX_PATH - 40, b->tmp);
    if (n == 0 || n >= MAX_PATH - 40) {
        return FALSE;
    }
    swprintf(b->tmp + n, MAX_PATH - n, L"ipcbench-%lu", (unsigned long)GetCurrentProcessId());
    CreateDirectoryW(b->tmp, NULL);
    b->nul = CreateFileW(L"NUL", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, &sa, OPEN_EXISTING, 0,
                         NULL);
    if (b->nul == INVALID_HANDLE_VALUE) {
        return FALSE;
    }
    /*
     * Everything the bench starts, and what its controllers start, dies with it:
     * the bench puts itself in a kill-on-close job, which children inherit. Not
     * possible when already in a job that forbids it (Windows 7); then the
     * bench cleans up after itself only.
     */
    b->job = CreateJobObjectW(NULL, NULL);
    if (b->job != NULL) {
        memset(&limits, 0, sizeof(limits));
        limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
        if (!SetInformationJobObject(b->job, JobObjectExtendedLimitInformation, &limits, (DWORD)sizeof(limits)) ||
            !AssignProcessToJobObject(b->job, GetCurrentProcess())) {
            CloseHandle(b->job);
            b->job = NULL;
        }
    }
    return TRUE;
}

static void RemoveTmp(Bench *b)
{
    wchar_t pattern[MAX_PATH];
    wchar_t path[MAX_PATH];
    WIN32_FIND_DATAW fd;
    HANDLE h;
    swprintf(pattern, MAX_PATH, L"%ls\\*", b->tmp);
    h = FindFirstFileW(pattern, &fd);
    if (h != INVALID_HANDLE_VALUE) {
        do {
            if ((fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) == 0) {
                swprintf(path, MAX_PATH, L"%ls\\%ls", b->tmp, fd.cFileName);
                DeleteFileW(path);
            }
        } while (FindNextFileW(h, &fd));
        FindClose(h);
    }
    RemoveDirectoryW(b->tmp);
}

/* The waiter's callback, as small as the controller's: it only signals. */
static VOID CALLBACK WaiterExited(PVOID context, BOOLEAN timed_out)
{
    (void)timed_out;
    SetEvent((HANDLE)context);
}

/*
 * ipc_bench --waiter TAG PID: what the controller does while it waits for
 * its listener, and nothing else: OpenProcess on PID, the same
 * RegisterWaitForSingleObject flags as the controller's wait, and the main
 * thread blocked on the event the callback sets. Its memory is the floor of
 * any controller that waits this way; the difference to the sleeper is what
 * that call costs on this system.
 */
static int Waiter(const wchar_t *pid_text)
{
    unsigned long pid = 0;
    HANDLE process = NULL;
    HANDLE exited = NULL;
    HANDLE wait = NULL;
    int rc = 1;

    if (!IpcParseUnsigned(pid_text, 1, 0xFFFFFFFFul, &pid)) {
        return 2;
    }
    process = OpenProcess(SYNCHRONIZE, FALSE, (DWORD)pid);
    exited = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (process == NULL || exited == NULL ||
        !RegisterWaitForSingleObject(&wait, process, WaiterExited, exited, INFINITE,
                                     WT_EXECUTEONLYONCE | WT_EXECUTEINWAITTHREAD)) {
        goto done;
    }
    WaitForSingleObject(exited, INFINITE);
    rc = 0;
done:
    if (wait != NULL) {
        UnregisterWaitEx(wait, INVALID_HANDLE_VALUE);
    }
    if (exited != NULL) {
        CloseHandle(exited);
    }
    if (process != NULL) {
        CloseHandle(process);
    }
    return rc;
}

int wmain(int argc, wchar_t **argv)
{
    static Bench bench;
    Bench *b = &bench;
    Text t = {0};
    char machine[512];
    char load[128] = "";
    HANDLE f;

    /* The smallest console process: the reference for memory and idle cost. Nothing else runs first. */
    if (argc == 3 && wcscmp(argv[1], L"--sleeper") == 0) {
        Sleep(INFINITE);
        return 0;
    }
    if (argc == 4 && wcscmp(argv[1], L"--waiter") == 0) {
        return Waiter(argv[3]);
    }
    if (argc >= 2 && wcscmp(argv[1], L"--launch") == 0) {
        return Launcher(argc, argv);
    }
    /* ipc_bench --has-console PID: exit code 1 when PID has a console, 0 when it has none. */
    if (argc == 3 && wcscmp(argv[1], L"--has-console") == 0) {
        unsigned long pid = 0;
        if (!IpcParseUnsigned(argv[2], 1, 0xFFFFFFFFul, &pid)) {
            return 2;
        }
        FreeConsole();
        if (AttachConsole((DWORD)pid)) {
            return 1;
        }
        return GetLastError() == ERROR_INVALID_HANDLE ? 0 : 2;
    }
    /* The floor of a process start: says it has reached wmain, and exits. */
    if (argc == 3 && wcscmp(argv[1], L"--signal") == 0) {
        HANDLE ev = OpenEventW(EVENT_MODIFY_STATE, FALSE, argv[2]);
        if (ev != NULL) {
            SetEvent(ev);
            CloseHandle(ev);
        }
        return 0;
    }
    if (argc == 2 && (wcscmp(argv[1], L"--help") == 0 || wcscmp(argv[1], L"-h") == 0 || wcscmp(argv[1], L"/?") == 0)) {
        IpcPrint(L"%ls", kUsage);
        return 0;
    }
    BenchInitClocks();
    if (!Setup(b, argc, argv)) {
        return 2;
    }
    b->started = BenchNowMs();
    b->wine = BenchIsWine(NULL, 0, NULL, 0);
    BenchMachine(machine, sizeof(machine));
    Progress("ipc_bench: %s", machine);
    if (b->wine && BenchReadUnixFile("/proc/loadavg", load, sizeof(load)) > 0) {
        load[strcspn(load, "\n")] = '\0';
        Note(b, "load average at the start (/proc/loadavg): %s", load);
    }
    Note(b, "timer resolution %.2f ms; the bench polls offsets 0 with Sleep(1)", BenchTimerResolutionMs());
    Note(b, "processes in a kill-on-close job: %s", b->job != NULL ? "yes" : "no");

    if (!g_none_flags_given && (b->sections & ((1u << 1) | (1u << 3) | (1u << 5) | (1u << 6) | (1u << 8))) != 0) {
        DetectNoneFlags(b);
    }
    if (b->sections & (1u << 1)) {
        RestartSection(b, L"none", g_none_flags, g_none_flags == DETACHED_PROCESS ? CREATE_NO_WINDOW : DETACHED_PROCESS,
                       b->kills);
        RestartSection(b, L"new", CREATE_NEW_CONSOLE, 0, b->kills_new);
    }
    if (b->sections & (1u << 2)) {
        StopSection(b);
    }
    if (b->sections & ((1u << 3) | (1u << 4))) {
        IdleSection(b);
    }
    if (b->sections & (1u << 5)) {
        ScaleSection(b);
    }
    if (b->sections & (1u << 6)) {
        FailoverSection(b);
    }
    if (b->sections & (1u << 7)) {
        RestartGapSection(b);
    }
    if (b->sections & (1u << 8)) {
        StandbyScaleSection(b);
    }
    if (b->sections & (1u << 9)) {
        StandbyCostSection(b);
    }

    if (b->wine && BenchReadUnixFile("/proc/loadavg", load, sizeof(load)) > 0) {
        load[strcspn(load, "\n")] = '\0';
        Note(b, "load average at the end: %s", load);
    }
    Render(b, &t, machine);
    WriteAll(GetStdHandle(STD_OUTPUT_HANDLE), t.p, t.len);
    f = CreateFileW(b->out_path, GENERIC_WRITE, FILE_SHARE_READ, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (f != INVALID_HANDLE_VALUE) {
        WriteAll(f, t.p, t.len);
        CloseHandle(f);
        Progress("ipc_bench: table written to %ls", b->out_path);
    } else {
        Progress("ipc_bench: cannot write %ls (error %lu)", b->out_path, (unsigned long)GetLastError());
    }
    free(t.p);
    if (!b->keep) {
        RemoveTmp(b);
    } else {
        Progress("ipc_bench: logs kept in %ls", b->tmp);
    }
    return 0;
}
