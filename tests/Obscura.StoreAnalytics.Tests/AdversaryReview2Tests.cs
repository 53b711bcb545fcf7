using Obscura.StoreAnalytics.Edge;
using Obscura.StoreAnalytics.GroupIds;
using Obscura.TestSupport;

namespace Obscura.StoreAnalytics.Tests;

/// <summary>Second adversarial review of issue 16's edge fixes (visits, k in visits, the daily key ratchet).</summary>
public sealed class AdversaryReview2Tests
{
    private static readonly DateOnly Day = new(2026, 12, 4);

    /// <summary>
    /// Finding 1: a process sharing the edge folder kept serving its day's key from memory after another process had
    /// moved the ratchet on, although <see cref="DailyKeyRatchet.DailyKey"/> promises KeyErasedException "before the
    /// day another process sharing the folder moved to". The file, not the process's memory, must be the truth.
    /// </summary>
    [Fact]
    public void A_process_sharing_the_folder_cannot_keep_serving_a_day_another_process_moved_past()
    {
        using var folder = new TempDirectory();
        using var first = DailyKeyRatchet.Create(folder.Path, "s1", Day);
        using var second = DailyKeyRatchet.Open(folder.Path, "s1");
        var today = second.DailyKey(Day);
        Array.Clear(today);

        first.DailyKey(Day.AddDays(1));

        // The second still holds chain(Day) in memory; the file says Day + 1, so Day's key is erased for it too.
        Assert.Throws<KeyErasedException>(() => second.DailyKey(Day));
        Assert.Equal(Day.AddDays(1), second.Day);
    }

    /// <summary>
    /// Finding 2: k counts visits, and a visit ends after the visit window. One person who is alone in a band and comes
    /// back k times (a member of staff, a courier, a guard on rounds), each time after more than the window, is k
    /// visits of one face: the k-group at the empty prefix holds him alone and his whole path is published.
    /// </summary>
    [Fact]
    public void One_person_returning_k_times_alone_in_a_band_is_not_published_as_a_group_of_k()
    {
        var random = new SeededRandom(11);
        using var keys = DailyKeyRatchet.InMemory("s1", Day);
        const int k = 5;
        var edge = new Obscura.StoreAnalytics.Edge.EdgeEventBuffer(EdgeFixtures.Configuration(k) with { Store = "s1" }, keys, random);
        var face = GroupIdTests.UnitVector(random);
        var visits = new HashSet<int>();
        edge.VisitObserved = (v, _) => visits.Add(v);

        // Five returns 12 minutes apart (the window is 10), three captures each, all in the morning band.
        for (var visit = 0; visit < k; visit++)
        {
            for (var m = 0; m < 3; m++)
            {
                var at = EdgeFixtures.Morning.AddMinutes((visit * 13) + m);
                var hasher = edge.HasherFor(at, 128);
                edge.AddFrame("cam-door", at, [hasher.Sketch(face)]);
            }
        }

        Assert.Equal(k, visits.Count);
        var batch = Assert.Single(edge.CloseBands());

        // One face is never a group of k: every capture must be suppressed.
        Assert.Empty(batch.Events);
    }

    /// <summary>
    /// The fix of finding 2 keeps the group useful: the returning face with k − 1 other faces is k people and is published;
    /// alone it is one person for any k above 1.
    /// </summary>
    [Fact]
    public void A_returning_face_among_k_people_is_published_and_alone_is_one_person()
    {
        var random = new SeededRandom(12);
        var returning = GroupIdTests.UnitVector(random);
        List<StoreEvent> Run(int k, int others)
        {
            using var keys = DailyKeyRatchet.InMemory("s1", Day);
            var edge = new Obscura.StoreAnalytics.Edge.EdgeEventBuffer(EdgeFixtures.Configuration(k) with { Store = "s1" }, keys, random);
            for (var visit = 0; visit < 6; visit++)
            {
                var at = EdgeFixtures.Morning.AddMinutes(visit * 13);
                edge.AddFrame("cam-door", at, [edge.HasherFor(at, 128).Sketch(returning)]);
            }

            for (var other = 0; other < others; other++)
            {
                var at = EdgeFixtures.Morning.AddMinutes(2 + other);
                edge.AddFrame("cam-door", at, [edge.HasherFor(at, 128).Sketch(GroupIdTests.UnitVector(random))]);
            }

            return [.. edge.CloseBands().SelectMany(b => b.Events)];
        }

        // With k − 1 other faces the returning face is one of k people: all 6 + 4 captures are published.
        Assert.Equal(6 + 4, Run(5, 4).Count);

        // Alone it is one person, whatever k beyond 1: suppressed.
        Assert.Empty(Run(2, 0));
        Assert.Equal(6, Run(1, 0).Count);
    }

    /// <summary>
    /// Finding 3: the ratchet moved lazily, on the first frame of a day. A backup of the edge folder taken on day d
    /// before that frame (a nightly backup at 02:00, the store still closed) held chain(d − 1) and gave day d − 1's key.
    /// Fixed: the edge host moves the ratchet at local midnight by its own clock, with no frame. Red when the host's
    /// midnight move is taken out.
    /// </summary>
    [Fact]
    public async Task A_nightly_backup_taken_on_day_d_before_the_store_opens_gives_no_key_of_day_d_minus_1()
    {
        using var temp = new TempDirectory();
        using var backup = new TempDirectory();

        // Day, 20:00 local: the edge has used Day's key (the store was open).
        await using var edge = await EdgeHostTests.HostedEdge.StartAsync(temp, Day, EdgeHostTests.LocalUtc(Day, 20, 0));
        var yesterday = edge.Keys.DailyKey(Day);
        Array.Clear(yesterday);

        // Day + 1, 02:00: the nightly backup runs. No frame of Day + 1 has arrived yet; only the host's clock moved.
        edge.Clock.Advance(TimeSpan.FromHours(6));
        File.Copy(Path.Combine(edge.Folder, DailyKeyRatchet.FileName), Path.Combine(backup.Path, DailyKeyRatchet.FileName));

        using var restored = DailyKeyRatchet.Open(backup.Path, "stockholm-1");
        Assert.Throws<KeyErasedException>(() => restored.DailyKey(Day));
    }

    /// <summary>
    /// Finding 4: when a later day started, the edge dropped the earlier day's hasher without zeroing its hyperplanes,
    /// which compute that day's codes exactly as its erased key would; whoever read the running edge's memory later
    /// could still group yesterday's faces. The planes are now zeroed when the hasher is dropped.
    /// </summary>
    [Fact]
    public void A_later_day_zeroes_the_earlier_days_hyperplanes_in_memory()
    {
        var random = new SeededRandom(12);
        using var keys = DailyKeyRatchet.InMemory("s1", Day);
        var edge = new Obscura.StoreAnalytics.Edge.EdgeEventBuffer(EdgeFixtures.Configuration(1) with { Store = "s1" }, keys, random);
        var face = GroupIdTests.UnitVector(random);
        var yesterday = edge.HasherFor(EdgeFixtures.Morning, 128);
        edge.AddFrame("cam-door", EdgeFixtures.Morning, [yesterday.Sketch(face)]);

        edge.HasherFor(EdgeFixtures.Morning.AddDays(1), 128);

        // What a memory dump would find of yesterday's hasher: its planes, group-ID and tracking.
        var planes = (float[])typeof(GroupIdHasher).GetField("_planes", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(yesterday)!;
        var tracking = ((Lazy<float[]>)typeof(GroupIdHasher).GetField("_trackingPlanes", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(yesterday)!).Value;
        Assert.True(planes.All(v => v == 0), "yesterday's group-ID hyperplanes are still in memory");
        Assert.True(tracking.All(v => v == 0), "yesterday's tracking hyperplanes are still in memory");
    }

    /// <summary>Finding 4, second half: a day's hasher that never sketched still held its tracking key; dropping it zeroes that too.</summary>
    [Fact]
    public void A_later_day_zeroes_the_tracking_key_of_an_earlier_day_that_never_sketched()
    {
        using var keys = DailyKeyRatchet.InMemory("s1", Day);
        var edge = new Obscura.StoreAnalytics.Edge.EdgeEventBuffer(EdgeFixtures.Configuration(1) with { Store = "s1" }, keys, new SeededRandom(13));
        var yesterday = edge.HasherFor(EdgeFixtures.Morning, 128);

        edge.HasherFor(EdgeFixtures.Morning.AddDays(1), 128);

        var key = (byte[])typeof(GroupIdHasher).GetField("_trackingKey", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(yesterday)!;
        Assert.True(key.All(b => b == 0), "yesterday's tracking key is still in memory");
    }
}
