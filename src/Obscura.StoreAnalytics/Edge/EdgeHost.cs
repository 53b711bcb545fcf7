using Obscura.StoreAnalytics.GroupIds;
using Obscura.StoreAnalytics.Outbox;

namespace Obscura.StoreAnalytics.Edge;

/// <summary>
/// The long-running edge: owns the frame loop (frames from an <see cref="IFrameSource"/> into the
/// <see cref="EdgeProcessor"/>) and a timer on its own clock (<see cref="TimeProvider"/>) that fires at every band start
/// and at store-local midnight. At midnight, with or without frames, it moves the <see cref="DailyKeyRatchet"/> on to
/// the new day (erasing yesterday's chain key from memory and disk) and zeroes yesterday's hyperplanes, so a nightly
/// backup of the edge folder never holds an earlier day's key; <see cref="Start"/> does the same for a day that began
/// while the host was down. At every band start the bands that ended are closed, signed and stored in the outbox.
/// </summary>
/// <remarks>
/// The timer and the frame loop never run at once (one lock): the processor and the ratchet are not thread-safe.
/// Under <see cref="EdgeClock.Frames"/> (replaying a recording) no timer is armed and the frames' days move the ratchet.
/// </remarks>
public sealed class EdgeHost : IDisposable
{
    /// <summary>Under <see cref="EdgeClock.System"/>, a frame stamped further ahead of the host's clock than this is refused.</summary>
    public static readonly TimeSpan FutureTolerance = TimeSpan.FromMinutes(2);

    /// <summary>After a failed tick (e.g. the ratchet's file could not be written) the timer retries this much later.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromMinutes(1);

    private readonly EdgeProcessor _processor;
    private readonly DailyKeyRatchet _keys;
    private readonly EdgeOutbox _outbox;
    private readonly EdgeSigningKey _signer;
    private readonly TimeProvider _time;
    private readonly EdgeClock _clock;
    private readonly Lock _gate = new();
    private readonly Action<Exception>? _tickFailed;
    private ITimer? _timer;
    private int _tickFailures;
    private int _late;
    private int _refused;
    private int _batches;
    private bool _disposed;

    /// <summary>A host for <paramref name="processor"/>, which must have been opened on <paramref name="keys"/>.</summary>
    /// <param name="processor">The frame analyser (not owned).</param>
    /// <param name="keys">The ratchet the processor takes its day keys from (not owned).</param>
    /// <param name="outbox">Where closed bands go, signed (not owned).</param>
    /// <param name="signer">The edge's signing key (not owned).</param>
    /// <param name="time">The host's clock; tests pass a fake one.</param>
    /// <param name="clock">Whose clock decides the day: the host's (a live store) or the frames' (a recording).</param>
    /// <param name="tickFailed">Told when a timer tick failed (it is retried after <see cref="RetryAfter"/>); the exception's message holds no key.</param>
    public EdgeHost(EdgeProcessor processor, DailyKeyRatchet keys, EdgeOutbox outbox, EdgeSigningKey signer, TimeProvider time, EdgeClock clock = EdgeClock.System, Action<Exception>? tickFailed = null)
    {
        _tickFailed = tickFailed;
        _processor = processor ?? throw new ArgumentNullException(nameof(processor));
        _keys = keys ?? throw new ArgumentNullException(nameof(keys));
        _outbox = outbox ?? throw new ArgumentNullException(nameof(outbox));
        _signer = signer ?? throw new ArgumentNullException(nameof(signer));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        if (!Enum.IsDefined(clock))
        {
            throw new ArgumentOutOfRangeException(nameof(clock));
        }

        _clock = clock;
    }

    /// <summary>The configuration in force.</summary>
    public EdgeConfiguration Configuration => _processor.Configuration;

    /// <summary>When the timer fires next (UTC); null before <see cref="Start"/> or under <see cref="EdgeClock.Frames"/>.</summary>
    public DateTimeOffset? NextTick { get; private set; }

    /// <summary>Timer ticks that failed so far (each retried after <see cref="RetryAfter"/>).</summary>
    public int TickFailures
    {
        get
        {
            lock (_gate)
            {
                return _tickFailures;
            }
        }
    }

    /// <summary>What the host did so far.</summary>
    public EdgeRunSummary Summary
    {
        get
        {
            lock (_gate)
            {
                return SummaryCore();
            }
        }
    }

    /// <summary>
    /// Starts the host: under <see cref="EdgeClock.System"/> moves the ratchet on to today (a day that began while the
    /// host was down is erased now, not at the first frame), closes the bands that ended and arms the timer for the next
    /// band start or midnight. Idempotent.
    /// </summary>
    public void Start()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_clock == EdgeClock.Frames || _timer is not null)
            {
                return;
            }

            _timer = _time.CreateTimer(_ => Tick(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            TickCore();
        }
    }

    /// <summary>
    /// Reads frames from <paramref name="source"/> and analyses them until the source ends, a limit is reached or the
    /// run is cancelled; every frame's bytes are zeroed after use. At the end, under <see cref="EdgeClock.Frames"/>, every
    /// band is closed (the recording is complete); under <see cref="EdgeClock.System"/> the open band stays in memory
    /// (a stop loses it rather than publishing half a band). Calls <see cref="Start"/> first.
    /// </summary>
    /// <param name="source">The frames.</param>
    /// <param name="limits">When to stop early.</param>
    /// <param name="progress">Told the summary after every frame.</param>
    /// <param name="cancellationToken">Stops the run between frames.</param>
    public async Task<EdgeRunSummary> RunAsync(IFrameSource source, EdgeRunLimits? limits = null, IProgress<EdgeRunSummary>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        limits ??= EdgeRunLimits.None;
        Start();
        var read = 0;
        await foreach (var frame in source.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                var now = _clock == EdgeClock.System ? _time.GetUtcNow() : frame.Timestamp;
                if (limits.Until is { } until && now >= until)
                {
                    break;
                }

                EdgeRunSummary summary;
                lock (_gate)
                {
                    ObjectDisposedException.ThrowIf(_disposed, this);
                    AnalyseCore(frame, now);
                    summary = SummaryCore();
                }

                progress?.Report(summary);
            }
            finally
            {
                Array.Clear(frame.Encoded);
            }

            if (++read >= limits.MaxFrames)
            {
                break;
            }
        }

        lock (_gate)
        {
            if (_clock == EdgeClock.Frames)
            {
                Enqueue(_processor.CloseBands());
            }

            return SummaryCore();
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _timer?.Dispose();
            _timer = null;
        }
    }

    private void Tick()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            try
            {
                TickCore();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or System.Data.Common.DbException)
            {
                // A timer callback must not throw (it would end the process); the move is retried, and reported.
                _tickFailures++;
                _tickFailed?.Invoke(ex);
            }
        }
    }

    /// <summary>
    /// At a band start or midnight by the host's clock: ratchet to today, drop earlier days, close ended bands. The
    /// timer is re-armed whatever happens: for the next band start, or in <see cref="RetryAfter"/> when a step failed
    /// (a disk error while moving the ratchet must not stop every later midnight move).
    /// </summary>
    private void TickCore()
    {
        var now = _time.GetUtcNow();
        var config = _processor.Configuration;
        var next = now + RetryAfter;
        try
        {
            var today = config.DateOf(now);
            _keys.AdvanceTo(today);
            _processor.EraseDaysBefore(today);
            Enqueue(_processor.CloseBands((today, config.BandOf(now))));
            next = config.NextBandStart(now);
        }
        finally
        {
            // Never a due time at or before now (a timer due now fires again at once: a spin).
            next = next > now ? next : now + RetryAfter;
            NextTick = next;
            _timer!.Change(next - now, Timeout.InfiniteTimeSpan);
        }
    }

    private void AnalyseCore(EncodedFrame frame, DateTimeOffset now)
    {
        var config = _processor.Configuration;
        if (_clock == EdgeClock.System && frame.Timestamp > now + FutureTolerance)
        {
            _refused++;
            return;
        }

        if (_clock == EdgeClock.Frames)
        {
            // The recording's clock: bands before this frame's have ended.
            Enqueue(_processor.CloseBands((config.DateOf(now), config.BandOf(now))));
        }

        var lateBefore = _processor.LateFrames;
        try
        {
            _processor.Process(frame.Camera, frame.Timestamp, frame.Encoded);
        }
        catch (InvalidDataException)
        {
            _refused++;
        }
        catch (KeyErasedException)
        {
            _late++;
        }

        _late += _processor.LateFrames - lateBefore;
    }

    private void Enqueue(IReadOnlyList<EventBatch> batches)
    {
        if (batches.Count > 0)
        {
            _batches += _outbox.Enqueue(batches.Select(_signer.Sign));
        }
    }

    private EdgeRunSummary SummaryCore() => new(_processor.Frames, _processor.Faces, _late, _refused, _batches, _keys.Day);
}
