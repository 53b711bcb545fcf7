using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Obscura.StoreAnalytics.GroupIds;

namespace Obscura.StoreAnalytics.Edge;

/// <summary>
/// The edge's configuration file: the store, its zones and cameras (camera → zone, privacy masks), the time bands in
/// store-local time, the coarse-time granularity, the group-ID parameters and the face-detection limits.
/// </summary>
public sealed partial record EdgeConfiguration
{
    /// <summary>Store id (1–64 of a-z, 0-9, '-', '_').</summary>
    public required string Store { get; init; }

    /// <summary>Zone name → kind.</summary>
    public required IReadOnlyDictionary<string, ZoneKind> Zones { get; init; }

    /// <summary>Camera id → camera.</summary>
    public required IReadOnlyDictionary<string, CameraConfiguration> Cameras { get; init; }

    /// <summary>Store-local time minus UTC, in minutes (used when <see cref="TimeZone"/> is not set).</summary>
    public int UtcOffsetMinutes { get; init; }

    /// <summary>
    /// The store's time zone, an IANA id such as <c>Europe/Stockholm</c> (read from the system's time-zone database).
    /// When set it replaces <see cref="UtcOffsetMinutes"/>, so daylight-saving time moves the bands and local midnight
    /// (when the edge host moves the key ratchet on) with the clocks on the wall.
    /// </summary>
    public string? TimeZone { get; init; }

    /// <summary>Local time the lunch band starts (default 11:00).</summary>
    public TimeOnly LunchStarts { get; init; } = new(11, 0);

    /// <summary>Local time the afternoon band starts (default 14:00).</summary>
    public TimeOnly AfternoonStarts { get; init; } = new(14, 0);

    /// <summary>Granularity of the coarse time in events, in minutes (default 5; divides 60).</summary>
    public int CoarseMinutes { get; init; } = 5;

    /// <summary>Group-ID bits, flip probability and k.</summary>
    public required GroupIdParameters GroupIds { get; init; }

    /// <summary>
    /// The calibrated re-match probability for each ID length 0…b (<see cref="ReMatchModel.ReMatchByLength"/>), sent
    /// with each batch so the processor can correct its estimates.
    /// </summary>
    public required IReadOnlyList<double> ReMatchByLength { get; init; }

    /// <summary>
    /// A capture joins a visit of its band last seen at most this many minutes earlier (default 10, 1–240) whose
    /// tracking code it is close to (<see cref="VisitTrackingRadius"/>); otherwise it starts a new visit.
    /// </summary>
    public int VisitWindowMinutes { get; init; } = 10;

    /// <summary>
    /// The largest Hamming distance (of 256 tracking bits, default 20, 0–128) between a capture and one of a visit's
    /// recent captures for them to be one visit. By the model, genuine pairs of the committed photos are expected about
    /// 8 bits apart and strangers about 39 (docs/store-analytics.md).
    /// </summary>
    public int VisitTrackingRadius { get; init; } = 20;

    /// <summary>Smallest detector score for a face to count (default 0.75).</summary>
    public float MinFaceScore { get; init; } = 0.75f;

    /// <summary>Smallest eye distance in pixels for a face to count (default 24).</summary>
    public float MinEyeDistance { get; init; } = 24f;

    /// <summary>JSON options of the file (camelCase, enums as names).</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>Reads and validates a configuration file.</summary>
    /// <exception cref="InvalidDataException">The file is not valid JSON of this shape or a value is out of range.</exception>
    public static EdgeConfiguration Load(string path)
    {
        EdgeConfiguration? config;
        try
        {
            config = JsonSerializer.Deserialize<EdgeConfiguration>(File.ReadAllText(path), Json);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{Path.GetFileName(path)} is not a valid edge configuration: {ex.Message}", ex);
        }

        return (config ?? throw new InvalidDataException($"{Path.GetFileName(path)} is empty.")).Validate();
    }

    /// <summary>Checks every value; returns this.</summary>
    /// <exception cref="InvalidDataException">A value is out of range or a camera names an unknown zone.</exception>
    public EdgeConfiguration Validate()
    {
        Check(NamePattern().IsMatch(Store ?? ""), "The store id is 1–64 characters of a-z, 0-9, '-' and '_'.");
        Check(Zones is { Count: > 0 } && Zones.Keys.All(z => NamePattern().IsMatch(z)), "Declare at least one zone, named with a-z, 0-9, '-' and '_'.");
        Check(Cameras is { Count: > 0 } && Cameras.Keys.All(c => NamePattern().IsMatch(c)), "Declare at least one camera, named with a-z, 0-9, '-' and '_'.");
        foreach (var (id, camera) in Cameras!)
        {
            Check(camera.Zone is not null && Zones!.ContainsKey(camera.Zone), $"Camera '{id}' names a zone that is not declared.");
            Check(camera.Masks.All(m => m.Width > 0 && m.Height > 0), $"Camera '{id}' has a mask without area.");
        }

        Check(Math.Abs(UtcOffsetMinutes) <= 14 * 60, "The UTC offset is within ±14 h.");
        if (TimeZone is not null)
        {
            try
            {
                Zone();
            }
            catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
            {
                throw new InvalidDataException($"The time zone '{TimeZone}' is not in this system's time-zone database (an IANA id such as Europe/Stockholm; install tzdata).", ex);
            }
        }

        Check(LunchStarts < AfternoonStarts, "Lunch starts before the afternoon.");
        Check(CoarseMinutes is > 0 and <= 60 && 60 % CoarseMinutes == 0, "The coarse time divides an hour (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60 minutes).");
        try
        {
            GroupIds.Validate();
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new InvalidDataException(ex.Message, ex);
        }

        Check(ReMatchByLength is not null && ReMatchByLength.Count == GroupIds.Bits + 1 && ReMatchByLength.All(r => r is >= 0 and <= 1), "reMatchByLength has b + 1 probabilities (run the calibration).");
        Check(VisitWindowMinutes is >= 1 and <= 240, "The visit window is 1 to 240 minutes.");
        Check(VisitTrackingRadius is >= 0 and <= 128, "The visit tracking radius is 0 to 128 bits.");
        Check(MinFaceScore is > 0 and <= 1 && MinEyeDistance >= 1, "The face score is in (0, 1] and the eye distance at least 1 px.");
        return this;
    }

    /// <summary>The store-local wall-clock time of a UTC instant (by <see cref="TimeZone"/>, else <see cref="UtcOffsetMinutes"/>).</summary>
    public DateTime LocalTimeOf(DateTimeOffset utc) =>
        TimeZone is null ? utc.UtcDateTime.AddMinutes(UtcOffsetMinutes) : TimeZoneInfo.ConvertTime(utc, Zone()).DateTime;

    /// <summary>
    /// The first UTC instant at or after which the store-local wall clock reads <paramref name="time"/> on
    /// <paramref name="date"/> or later: the instant itself, or, where daylight saving skips that local time, the end of
    /// the gap.
    /// </summary>
    public DateTimeOffset UtcOf(DateOnly date, TimeOnly time)
    {
        var local = date.ToDateTime(time, DateTimeKind.Unspecified);
        if (TimeZone is null)
        {
            return new DateTimeOffset(local, TimeSpan.Zero).AddMinutes(-UtcOffsetMinutes);
        }

        var zone = Zone();
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(1);
        }

        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(local, zone), TimeSpan.Zero);
    }

    /// <summary>The next store-local midnight after <paramref name="utc"/>: the first instant of the next local date.</summary>
    public DateTimeOffset NextMidnight(DateTimeOffset utc) => UtcOf(DateOf(utc).AddDays(1), TimeOnly.MinValue);

    /// <summary>The first instant after <paramref name="utc"/> at which the (date, band) changes: the next band start or midnight.</summary>
    public DateTimeOffset NextBandStart(DateTimeOffset utc)
    {
        var date = DateOf(utc);
        foreach (var start in new[] { LunchStarts, AfternoonStarts })
        {
            var at = UtcOf(date, start);
            if (at > utc)
            {
                return at;
            }
        }

        return NextMidnight(utc);
    }

    /// <summary>The band of a UTC instant, in store-local time.</summary>
    public TimeBand BandOf(DateTimeOffset utc)
    {
        var local = TimeOnly.FromDateTime(LocalTimeOf(utc));
        return local < LunchStarts ? TimeBand.Morning : local < AfternoonStarts ? TimeBand.Lunch : TimeBand.Afternoon;
    }

    /// <summary>The store-local date of a UTC instant.</summary>
    public DateOnly DateOf(DateTimeOffset utc) => DateOnly.FromDateTime(LocalTimeOf(utc));

    /// <summary>The coarse time: store-local minute of the day, rounded down to <see cref="CoarseMinutes"/>.</summary>
    public int CoarseMinuteOf(DateTimeOffset utc)
    {
        var local = LocalTimeOf(utc);
        var minute = (local.Hour * 60) + local.Minute;
        return minute - (minute % CoarseMinutes);
    }

    private TimeZoneInfo Zone() => TimeZoneInfo.FindSystemTimeZoneById(TimeZone!);

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidDataException(message);
        }
    }

    /// <summary>Store, zone and camera names: 1–64 of a-z, 0-9, '-' and '_'.</summary>
    [GeneratedRegex("^[a-z0-9_-]{1,64}$")]
    internal static partial Regex NamePattern();
}
