using Obscura.StoreAnalytics.Edge;
using Obscura.StoreAnalytics.GroupIds;

namespace Obscura.StoreAnalytics.Simulation;

/// <summary>
/// A store simulator with ground truth: Poisson arrivals per band, a path entrance → one or two departments →
/// (often) the checkout queue (first free till) → exit, a share of same-day returning visitors, one analysed frame per camera per minute,
/// and per-capture embeddings whose genuine and impostor similarities follow the real model's measured ones.
/// Cameras: "cam-entrance" (sees each arrival once, in the minute of arrival), "cam-{department}", "cam-checkout".
/// </summary>
public sealed class StoreSimulator
{
    private readonly SimulationOptions _options;
    private readonly Random _random;
    private readonly float[] _common;

    /// <summary>Prepares a simulation.</summary>
    /// <exception cref="ArgumentException">No genuine angles, or the impostor cosine is outside [0, 1).</exception>
    public StoreSimulator(SimulationOptions options)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        if (options.GenuineAngles.Count == 0 || !(options.ImpostorCosine is >= 0 and < 1))
        {
            throw new ArgumentException("Give the measured genuine angles and an impostor cosine in [0, 1).", nameof(options));
        }

        _random = new Random(options.Seed);
        _common = UnitGaussian();
    }

    /// <summary>The edge configuration of the simulated store for the given group-ID parameters and re-match table.</summary>
    public EdgeConfiguration Configuration(GroupIdParameters parameters, IReadOnlyList<double> reMatchByLength)
    {
        var zones = new Dictionary<string, ZoneKind> { ["entrance"] = ZoneKind.Entrance, ["checkout"] = ZoneKind.Checkout };
        foreach (var d in _options.Departments)
        {
            zones[d] = ZoneKind.Department;
        }

        return new EdgeConfiguration
        {
            Store = _options.Store,
            Zones = zones,
            Cameras = zones.Keys.ToDictionary(z => $"cam-{z}", z => new CameraConfiguration { Zone = z }),
            GroupIds = parameters,
            ReMatchByLength = reMatchByLength,
        }.Validate();
    }

    /// <summary>Runs the simulation: the frames in time order and the ground truth.</summary>
    public (IReadOnlyList<SimulatedFrame> Frames, GroundTruth Truth) Run(EdgeConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var frames = new List<SimulatedFrame>();
        var visits = new Dictionary<(DateOnly, TimeBand), int>();
        var returning = new Dictionary<DateOnly, double>();
        var personMinutes = new Dictionary<string, double>(StringComparer.Ordinal);
        var queue = new Dictionary<(DateOnly, int), (double Sum, int Frames)>();
        var moves = new Dictionary<(string, string), double>();
        var nextVisitor = 0;
        var open = (_options.Opens.Hour * 60) + _options.Opens.Minute;
        var close = (_options.Closes.Hour * 60) + _options.Closes.Minute;
        for (var day = 0; day < _options.Days; day++)
        {
            var date = _options.FirstDay.AddDays(day);
            var identities = new Dictionary<int, float[]>();
            var stays = new List<(int Visitor, string Zone, int From, int To)>();
            var earlier = new List<(int Visitor, int Left)>();
            int laterArrivals = 0, laterReturning = 0;
            var tills = Enumerable.Repeat(open, _options.Tills).ToArray();
            for (var minute = open; minute < close - 15; minute++)
            {
                var utc = Utc(configuration, date, minute);
                var band = configuration.BandOf(utc);
                var arrivals = Poisson(_options.ArrivalsPerMinute[(int)band]);
                for (var a = 0; a < arrivals; a++)
                {
                    var candidates = earlier.Where(e => e.Left < minute).ToList();
                    int visitor;
                    if (band != TimeBand.Morning && candidates.Count > 0 && _random.NextDouble() < _options.ReturningShare)
                    {
                        visitor = candidates[_random.Next(candidates.Count)].Visitor;
                        earlier.RemoveAll(e => e.Visitor == visitor);
                        laterReturning++;
                    }
                    else
                    {
                        visitor = nextVisitor++;
                        identities[visitor] = Identity();
                    }

                    if (band != TimeBand.Morning)
                    {
                        laterArrivals++;
                    }

                    visits[(date, band)] = visits.GetValueOrDefault((date, band)) + 1;
                    stays.Add((visitor, "entrance", minute, minute + 1));
                    var t = minute + 1;
                    foreach (var department in _options.Departments.OrderBy(_ => _random.Next()).Take(1 + _random.Next(2)))
                    {
                        var dwell = Math.Max(1, (int)Math.Round(Exponential(_options.MeanDwellMinutes)));
                        stays.Add((visitor, department, t, t + dwell));
                        t += dwell;
                    }

                    if (_random.NextDouble() < _options.CheckoutShare)
                    {
                        var till = Array.IndexOf(tills, tills.Min());
                        var start = Math.Max(t, tills[till]);
                        tills[till] = start + Math.Max(1, (int)Math.Round(Exponential(_options.MeanServiceMinutes)));
                        stays.Add((visitor, "checkout", t, tills[till]));
                        t = tills[till];
                    }

                    earlier.Add((visitor, t));
                }
            }

            returning[date] = laterArrivals == 0 ? 0 : (double)laterReturning / laterArrivals;

            // One frame per camera per minute; everyone present is seen.
            var capturesByPerson = new Dictionary<(int Visitor, string Zone, int Slot), int>();
            foreach (var zone in configuration.Zones.Keys.Order(StringComparer.Ordinal))
            {
                var inZone = stays.Where(s => s.Zone == zone).ToList();
                for (var minute = open; minute < close + 60; minute++)
                {
                    var present = inZone.Where(s => s.From <= minute && minute < s.To).Select(s => s.Visitor).ToList();
                    if (minute >= close && present.Count == 0)
                    {
                        continue;
                    }

                    var utc = Utc(configuration, date, minute);
                    frames.Add(new SimulatedFrame($"cam-{zone}", utc, [.. present.Select(v => (v, Capture(identities[v])))]));
                    personMinutes[zone] = personMinutes.GetValueOrDefault(zone) + present.Count;
                    var slot = configuration.CoarseMinuteOf(utc);
                    if (zone == "checkout")
                    {
                        var q = queue.GetValueOrDefault((date, slot));
                        queue[(date, slot)] = (q.Sum + present.Count, q.Frames + 1);
                    }

                    foreach (var v in present)
                    {
                        capturesByPerson[(v, zone, slot)] = capturesByPerson.GetValueOrDefault((v, zone, slot)) + 1;
                    }
                }
            }

            // Same-person capture pairs A (slot) → B (next slot), within a band.
            foreach (var ((visitor, from, slot), n) in capturesByPerson)
            {
                var next = slot + configuration.CoarseMinutes;
                if (BandAt(configuration, date, slot) != BandAt(configuration, date, next))
                {
                    continue;
                }

                foreach (var to in configuration.Zones.Keys.Where(z => z != from))
                {
                    if (capturesByPerson.TryGetValue((visitor, to, next), out var m))
                    {
                        moves[(from, to)] = moves.GetValueOrDefault((from, to)) + ((double)n * m);
                    }
                }
            }
        }

        frames.Sort((a, b) => a.Timestamp.CompareTo(b.Timestamp));
        return (frames, new GroundTruth(visits, returning, personMinutes, queue.ToDictionary(q => q.Key, q => q.Value.Sum / q.Value.Frames), moves));
    }

    /// <summary>Feeds simulated frames through the edge's group-ID stage and returns the closed bands' batches.</summary>
    public static IReadOnlyList<Outbox.EventBatch> ThroughEdge(IReadOnlyList<SimulatedFrame> frames, EdgeEventBuffer buffer, int dimension)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentNullException.ThrowIfNull(buffer);
        foreach (var frame in frames)
        {
            var hasher = buffer.HasherFor(frame.Timestamp, dimension);
            buffer.AddFrame(frame.Camera, frame.Timestamp, [.. frame.Faces.Select(f => hasher.Sketch(f.Embedding))]);
        }

        return buffer.CloseBands();
    }

    private static TimeBand BandAt(EdgeConfiguration c, DateOnly date, int minute) => c.BandOf(Utc(c, date, minute));

    private static DateTimeOffset Utc(EdgeConfiguration c, DateOnly date, int minute) =>
        new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddMinutes(minute - c.UtcOffsetMinutes);

    private float[] Identity()
    {
        // Cosine between two identities ≈ a: a shared "face" direction of weight √a plus a private one.
        var a = _options.ImpostorCosine;
        var own = UnitGaussian();
        return Normalise([.. own.Select((v, i) => (float)((Math.Sqrt(a) * _common[i]) + (Math.Sqrt(1 - a) * v)))]);
    }

    private float[] Capture(float[] identity)
    {
        // Two captures each turned by θ/√2 in independent directions are about θ apart.
        var theta = _options.GenuineAngles[_random.Next(_options.GenuineAngles.Count)] / Math.Sqrt(2);
        var r = UnitGaussian();
        var dot = r.Zip(identity, (x, y) => (double)x * y).Sum();
        var orth = Normalise([.. r.Select((v, i) => (float)(v - (dot * identity[i])))]);
        return [.. identity.Select((v, i) => (float)((Math.Cos(theta) * v) + (Math.Sin(theta) * orth[i])))];
    }

    private float[] UnitGaussian() => Normalise([.. Enumerable.Range(0, _options.Dimension).Select(_ => (float)Gaussian())]);

    private static float[] Normalise(float[] v)
    {
        var n = Math.Sqrt(v.Sum(x => (double)x * x));
        return [.. v.Select(x => (float)(x / n))];
    }

    private double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble());

    private double Exponential(double mean) => -mean * Math.Log(1 - _random.NextDouble());

    private int Poisson(double rate)
    {
        var limit = Math.Exp(-rate);
        var k = 0;
        for (var p = _random.NextDouble(); p > limit; p *= _random.NextDouble())
        {
            k++;
        }

        return k;
    }
}
