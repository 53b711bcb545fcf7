using Obscura.Privacy.Sampling;
using Obscura.StoreAnalytics.GroupIds;
using Obscura.StoreAnalytics.Outbox;

namespace Obscura.StoreAnalytics.Edge;

/// <summary>
/// The edge's group-ID stage without the cameras: one hasher per day (from the day's key), captures waiting in memory
/// per (date, band) until the band is closed, when the minimum group size is applied and they become batches. Used by
/// <see cref="EdgeProcessor"/> for real frames and by the simulator for synthetic embeddings. Not thread-safe.
/// </summary>
public sealed class EdgeEventBuffer(EdgeConfiguration configuration, StoreSecret secret, IRandomSource? random = null)
{
    /// <summary>Most events in one batch.</summary>
    public const int BatchSize = 1000;

    private readonly Dictionary<DateOnly, GroupIdHasher> _hashers = [];
    private readonly SortedDictionary<(DateOnly Date, TimeBand Band), BandBuffer> _open = [];
    private readonly HashSet<(DateOnly Date, TimeBand Band)> _closed = [];

    /// <summary>Whether the band of <paramref name="timestamp"/> was closed already (its batches are made); in memory only.</summary>
    public bool IsClosed(DateTimeOffset timestamp) => _closed.Contains((configuration.DateOf(timestamp), configuration.BandOf(timestamp)));

    /// <summary>The hasher of the store-local day of <paramref name="timestamp"/>.</summary>
    public GroupIdHasher HasherFor(DateTimeOffset timestamp, int dimension)
    {
        var date = configuration.DateOf(timestamp);
        if (!_hashers.TryGetValue(date, out var hasher))
        {
            var key = secret.DailyKey(configuration.Store, date);
            _hashers[date] = hasher = new GroupIdHasher(key, dimension, configuration.GroupIds, random);
            Array.Clear(key);

            // Yesterday's hyperplanes are not needed once a later day started.
            foreach (var old in _hashers.Keys.Where(d => d < date).ToList())
            {
                _hashers.Remove(old);
            }
        }

        return hasher;
    }

    /// <summary>Records one analysed frame of <paramref name="camera"/> and the group IDs of its faces.</summary>
    /// <exception cref="InvalidDataException">The camera is not configured.</exception>
    public void AddFrame(string camera, DateTimeOffset timestamp, IReadOnlyList<GroupId> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (!configuration.Cameras.TryGetValue(camera, out var cameraConfig))
        {
            throw new InvalidDataException($"Camera '{camera}' is not in the configuration.");
        }

        var key = (configuration.DateOf(timestamp), configuration.BandOf(timestamp));
        if (!_open.TryGetValue(key, out var buffer))
        {
            _open[key] = buffer = new BandBuffer(key.Item1, key.Item2);
        }

        buffer.AddFrame(cameraConfig.Zone, configuration.Zones[cameraConfig.Zone], configuration.CoarseMinuteOf(timestamp), ids);
    }

    /// <summary>The (date, band) pairs with events or frames waiting.</summary>
    public IReadOnlyList<(DateOnly Date, TimeBand Band)> OpenBands => [.. _open.Keys];

    /// <summary>
    /// Closes every band before <paramref name="before"/> (all when null): applies the minimum group size and returns
    /// the band's events and frame tallies as unsigned batches of at most <see cref="BatchSize"/> events, with batch ids
    /// fixed by (store, date, band, chunk) so that closing the same band again yields the same ids.
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

    private sealed class BandBuffer(DateOnly date, TimeBand band)
    {
        private readonly List<(string Zone, ZoneKind Kind, int Minute, GroupId Id)> _captures = [];
        private readonly Dictionary<(string Zone, ZoneKind Kind, int Minute), int> _frames = [];

        public void AddFrame(string zone, ZoneKind kind, int minute, IReadOnlyList<GroupId> ids)
        {
            _frames[(zone, kind, minute)] = _frames.GetValueOrDefault((zone, kind, minute)) + 1;
            foreach (var id in ids)
            {
                _captures.Add((zone, kind, minute, id));
            }
        }

        public IEnumerable<EventBatch> Close(EdgeConfiguration config)
        {
            var published = MinimumGroupSize.Apply([.. _captures.Select(c => c.Id)], config.GroupIds.MinimumGroupSize);
            var events = new List<StoreEvent>();
            for (var i = 0; i < _captures.Count; i++)
            {
                if (published[i] is { } id)
                {
                    var c = _captures[i];
                    events.Add(new StoreEvent(config.Store, date, band, c.Minute, c.Zone, c.Kind, id.ToString()));
                }
            }

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
                    suppressed: chunk == 0 ? published.Count(p => p is null) : 0);
            }
        }
    }
}
