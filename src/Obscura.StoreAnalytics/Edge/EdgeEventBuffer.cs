using Obscura.Privacy.Sampling;
using Obscura.StoreAnalytics.GroupIds;
using Obscura.StoreAnalytics.Outbox;

namespace Obscura.StoreAnalytics.Edge;

/// <summary>
/// The edge's group-ID stage without the cameras: one hasher per day (from the ratchet's key of the day), and per
/// (date, band) in memory until the band is closed: the visits, the captures and the frame tallies. Captures of one
/// visit (close tracking codes, seen again within <see cref="EdgeConfiguration.VisitWindowMinutes"/>, never two faces
/// of one frame) share ONE randomised-response draw, so every capture of the visit carries the same group ID and
/// repetition cannot undo the flips. A visit ends after the window, but its tracking codes stay in memory until the
/// band closes: then visits within the tracking radius of each other are taken for one person, and the minimum group
/// size k counts people, not visits or captures (one face returning k times alone is suppressed). At close the band's state
/// (tracking codes, visit IDs) is dropped and its events become batches. Nothing here is written to disk. Used by
/// <see cref="EdgeProcessor"/> for real frames and by the simulator for synthetic embeddings. Not thread-safe.
/// </summary>
public sealed class EdgeEventBuffer(EdgeConfiguration configuration, DailyKeyRatchet keys, IRandomSource? random = null)
{
    /// <summary>Most events in one batch.</summary>
    public const int BatchSize = 1000;

    private readonly Dictionary<DateOnly, GroupIdHasher> _hashers = [];
    private readonly SortedDictionary<(DateOnly Date, TimeBand Band), BandBuffer> _open = [];
    private readonly HashSet<(DateOnly Date, TimeBand Band)> _closed = [];

    /// <summary>Test hook: the visit (an index within its band) each capture joined and the visit's drawn ID (before k), in the order of the captures.</summary>
    internal Action<int, GroupId>? VisitObserved { get; set; }

    /// <summary>Whether the band of <paramref name="timestamp"/> was closed already (its batches are made); in memory only.</summary>
    public bool IsClosed(DateTimeOffset timestamp) => _closed.Contains((configuration.DateOf(timestamp), configuration.BandOf(timestamp)));

    /// <summary>Whether a frame of <paramref name="timestamp"/> can still be analysed: its band is open and its day's key not erased.</summary>
    public bool CanAnalyse(DateTimeOffset timestamp)
    {
        var date = configuration.DateOf(timestamp);
        return !IsClosed(timestamp) && (_hashers.ContainsKey(date) || date >= keys.Day);
    }

    /// <summary>The hasher of the store-local day of <paramref name="timestamp"/>; a later day moves the ratchet on and drops earlier hashers.</summary>
    /// <exception cref="KeyErasedException">The day's key was erased (the ratchet is past it).</exception>
    public GroupIdHasher HasherFor(DateTimeOffset timestamp, int dimension)
    {
        var date = configuration.DateOf(timestamp);
        if (!_hashers.TryGetValue(date, out var hasher))
        {
            var key = keys.DailyKey(date);
            _hashers[date] = hasher = new GroupIdHasher(key, dimension, configuration.GroupIds, random);
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(key);

            // An earlier day's hyperplanes would keep its key computable: drop them once a later day started.
            EraseDaysBefore(date);
        }

        return hasher;
    }

    /// <summary>
    /// Zeroes and drops the hashers of days before <paramref name="date"/>: their hyperplanes compute those days' codes
    /// as well as the erased keys would. The edge host calls it at local midnight, with no frame of the new day yet.
    /// </summary>
    public void EraseDaysBefore(DateOnly date)
    {
        foreach (var old in _hashers.Keys.Where(d => d < date).ToList())
        {
            _hashers[old].Erase();
            _hashers.Remove(old);
        }
    }

    /// <summary>
    /// Records one analysed frame of <paramref name="camera"/> and the sketches of its faces (made by
    /// <see cref="HasherFor"/>'s hasher of the same day): each face joins a visit of the band or starts one. The
    /// sketches are consumed (their tracking bits zeroed).
    /// </summary>
    /// <exception cref="InvalidDataException">The camera is not configured.</exception>
    /// <exception cref="InvalidOperationException">There are faces but no hasher of the frame's day.</exception>
    public void AddFrame(string camera, DateTimeOffset timestamp, IReadOnlyList<FaceSketch> faces)
    {
        ArgumentNullException.ThrowIfNull(faces);
        if (!configuration.Cameras.TryGetValue(camera, out var cameraConfig))
        {
            throw new InvalidDataException($"Camera '{camera}' is not in the configuration.");
        }

        var key = (configuration.DateOf(timestamp), configuration.BandOf(timestamp));
        if (!_hashers.TryGetValue(key.Item1, out var hasher) && faces.Count > 0)
        {
            throw new InvalidOperationException("The faces were not sketched by this buffer's hasher of the frame's day.");
        }

        if (!_open.TryGetValue(key, out var buffer))
        {
            _open[key] = buffer = new BandBuffer(key.Item1, key.Item2);
        }

        buffer.AddFrame(configuration, cameraConfig.Zone, configuration.CoarseMinuteOf(timestamp), timestamp, faces, hasher!, VisitObserved);
    }

    /// <summary>The (date, band) pairs with events or frames waiting.</summary>
    public IReadOnlyList<(DateOnly Date, TimeBand Band)> OpenBands => [.. _open.Keys];

    /// <summary>
    /// Closes every band before <paramref name="before"/> (all when null): applies the minimum group size to the band's
    /// visits and returns the band's events (one per capture, each with its visit's ID) and frame tallies as unsigned
    /// batches of at most <see cref="BatchSize"/> events, with batch ids fixed by (store, date, band, chunk) so that
    /// closing the same band again yields the same ids. The band's visit state is dropped.
    /// </summary>
    public IReadOnlyList<EventBatch> CloseBands((DateOnly Date, TimeBand Band)? before = null)
    {
        var batches = new List<EventBatch>();
        foreach (var key in _open.Keys.Where(k => before is null || k.CompareTo(before.Value) < 0).ToList())
        {
            batches.AddRange(_open[key].Close(configuration));
            _open.Remove(key);
            _closed.Add(key);
        }

        return batches;
    }

    /// <summary>A visit seen within the window: its most recent tracking codes (copies, zeroed when the visit is over).</summary>
    private sealed class Track(int visit)
    {
        private const int Kept = 8;
        private readonly ulong[]?[] _codes = new ulong[]?[Kept];
        private int _count;

        public int Visit { get; } = visit;

        public DateTimeOffset LastSeen { get; private set; } = DateTimeOffset.MinValue;

        /// <summary>The smallest distance between any kept code of this visit and any of <paramref name="other"/>'s.</summary>
        public int Distance(Track other)
        {
            var best = int.MaxValue;
            foreach (var kept in other._codes)
            {
                if (kept is not null)
                {
                    best = Math.Min(best, Distance(kept));
                }
            }

            return best;
        }

        public int Distance(ulong[] code)
        {
            var best = int.MaxValue;
            foreach (var kept in _codes)
            {
                if (kept is not null)
                {
                    best = Math.Min(best, FaceSketch.Distance(kept, code));
                }
            }

            return best;
        }

        public void Add(ulong[] code, DateTimeOffset seen)
        {
            var slot = _count++ % Kept;
            if (_codes[slot] is { } replaced)
            {
                Array.Clear(replaced);
            }

            _codes[slot] = (ulong[])code.Clone();
            LastSeen = seen > LastSeen ? seen : LastSeen;
        }

        public void Clear()
        {
            foreach (var code in _codes)
            {
                if (code is not null)
                {
                    Array.Clear(code);
                }
            }
        }
    }

    private sealed class BandBuffer(DateOnly date, TimeBand band)
    {
        private readonly List<(string Zone, ZoneKind Kind, int Minute, int Visit)> _captures = [];
        private readonly Dictionary<(string Zone, ZoneKind Kind, int Minute), int> _frames = [];
        private readonly List<GroupId> _visitIds = [];
        private readonly List<Track> _tracks = [];
        private readonly List<Track> _ended = [];

        public void AddFrame(EdgeConfiguration config, string zone, int minute, DateTimeOffset seen, IReadOnlyList<FaceSketch> faces, GroupIdHasher hasher, Action<int, GroupId>? observed)
        {
            var kind = config.Zones[zone];
            _frames[(zone, kind, minute)] = _frames.GetValueOrDefault((zone, kind, minute)) + 1;

            // Visits not seen for longer than the window are over: no capture joins them any more, but their tracking codes
            // are kept (in memory) until the band closes, to tell a returning face from a new one when k is counted.
            var window = TimeSpan.FromMinutes(config.VisitWindowMinutes);
            foreach (var over in _tracks.Where(t => seen - t.LastSeen > window).ToList())
            {
                _tracks.Remove(over);
                _ended.Add(over);
            }

            var inFrame = new HashSet<int>();
            foreach (var face in faces)
            {
                Track? best = null;
                var bestDistance = config.VisitTrackingRadius + 1;
                foreach (var track in _tracks.Where(t => !inFrame.Contains(t.Visit)))
                {
                    var distance = track.Distance(face.Tracking);
                    if (distance < bestDistance)
                    {
                        (best, bestDistance) = (track, distance);
                    }
                }

                if (best is null)
                {
                    // A new visit: its one randomised-response draw, shared by all its captures.
                    best = new Track(_visitIds.Count);
                    _visitIds.Add(hasher.Randomise(face));
                    _tracks.Add(best);
                }

                best.Add(face.Tracking, seen);
                inFrame.Add(best.Visit);
                _captures.Add((zone, kind, minute, best.Visit));
                observed?.Invoke(best.Visit, _visitIds[best.Visit]);
            }

            // The sketches are consumed: the tracks hold the only copies still needed.
            foreach (var face in faces)
            {
                Array.Clear(face.Tracking);
            }
        }

        public IEnumerable<EventBatch> Close(EdgeConfiguration config)
        {
            // Visits whose tracking codes are within the radius are one person (union-find over every pair of the band).
            var visits = _ended.Concat(_tracks).OrderBy(t => t.Visit).ToList();
            var person = Enumerable.Range(0, _visitIds.Count).ToArray();
            int Root(int v)
            {
                while (person[v] != v)
                {
                    v = person[v] = person[person[v]];
                }

                return v;
            }

            for (var i = 0; i < visits.Count; i++)
            {
                for (var j = i + 1; j < visits.Count; j++)
                {
                    if (visits[i].Distance(visits[j]) <= config.VisitTrackingRadius)
                    {
                        var (a, b) = (Root(visits[i].Visit), Root(visits[j].Visit));
                        person[Math.Max(a, b)] = Math.Min(a, b);
                    }
                }
            }

            foreach (var track in visits)
            {
                track.Clear();
            }

            _tracks.Clear();
            _ended.Clear();

            // k counts people: each visit is one entry labelled with its person. Each visit keeps its own draw, so a person's
            // visits are not linkable by ID and the visit counts stay visits.
            var people = Enumerable.Range(0, _visitIds.Count).Select(Root).ToArray();
            var published = MinimumGroupSize.Apply(_visitIds, people, config.GroupIds.MinimumGroupSize);
            _visitIds.Clear();
            var events = new List<StoreEvent>();
            var suppressed = 0;
            foreach (var c in _captures)
            {
                if (published[c.Visit] is { } id)
                {
                    events.Add(new StoreEvent(config.Store, date, band, c.Minute, c.Zone, c.Kind, id.ToString()));
                }
                else
                {
                    suppressed++;
                }
            }

            _captures.Clear();

            // Shuffle-free but order-neutral: sort so the batch order says nothing about capture order within a slot.
            events.Sort((a, b) => (a.Minute, a.Zone, a.GroupId).CompareTo((b.Minute, b.Zone, b.GroupId)));
            var tallies = _frames.Select(f => new ZoneTally(config.Store, date, band, f.Key.Minute, f.Key.Zone, f.Key.Kind, f.Value))
                .OrderBy(t => t.Minute).ThenBy(t => t.Zone, StringComparer.Ordinal).ToList();
            var chunks = Math.Max(1, (events.Count + BatchSize - 1) / BatchSize);
            for (var chunk = 0; chunk < chunks; chunk++)
            {
                yield return EventBatch.Create(
                    config.Store,
                    date,
                    band,
                    chunk,
                    events.Skip(chunk * BatchSize).Take(BatchSize).ToList(),
                    chunk == 0 ? tallies : [],
                    config.ReMatchByLength,
                    suppressed: chunk == 0 ? suppressed : 0);
            }
        }
    }
}
