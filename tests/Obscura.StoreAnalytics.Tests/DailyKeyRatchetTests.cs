using Obscura.StoreAnalytics.GroupIds;
using Obscura.TestSupport;

namespace Obscura.StoreAnalytics.Tests;

public sealed class DailyKeyRatchetTests
{
    private static readonly DateOnly Day = new(2026, 12, 4);

    private static StoreSecret Seed() => StoreSecret.FromBytes(Enumerable.Range(0, 32).Select(i => (byte)(i * 7)).ToArray());

    private static string[] Files(string folder) => [.. Directory.EnumerateFiles(folder).Select(Path.GetFileName).Where(f => !f!.EndsWith(".lock", StringComparison.Ordinal)).Order(StringComparer.Ordinal)!];

    [Fact]
    public void A_gap_of_several_days_ratchets_forward_one_step_per_day()
    {
        using var seed = Seed();
        using var jump = DailyKeyRatchet.InMemory("s1", Day, seed);
        using var walk = DailyKeyRatchet.InMemory("s1", Day, seed);
        var walked = Enumerable.Range(1, 3).Select(d => walk.DailyKey(Day.AddDays(d))).Last();
        Assert.Equal(walked, jump.DailyKey(Day.AddDays(3)));
        Assert.Equal(Day.AddDays(3), jump.Day);

        // Repeatable within the day, different across days.
        Assert.Equal(jump.DailyKey(Day.AddDays(3)), jump.DailyKey(Day.AddDays(3)));
        Assert.NotEqual(jump.DailyKey(Day.AddDays(3)), jump.DailyKey(Day.AddDays(4)));
        Assert.DoesNotContain("0x", jump.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Keys_are_bound_to_the_store_even_from_one_seed()
    {
        using var seed = Seed();
        using var a = DailyKeyRatchet.InMemory("malmo-1", Day, seed);
        using var b = DailyKeyRatchet.InMemory("lund-2", Day, seed);
        Assert.NotEqual(a.DailyKey(Day), b.DailyKey(Day));
        Assert.NotEqual(a.DailyKey(Day.AddDays(2)), b.DailyKey(Day.AddDays(2)));
        Assert.Throws<ArgumentException>(() => DailyKeyRatchet.InMemory("a/b", Day, seed));
    }

    [Fact]
    public void The_file_is_owner_only_and_reopens_at_the_day_it_reached()
    {
        using var folder = new TempDirectory();
        byte[] expected;
        using (var ratchet = DailyKeyRatchet.Create(folder.Path, "s1", Day))
        {
            expected = ratchet.DailyKey(Day.AddDays(2));
        }

        var path = Path.Combine(folder.Path, DailyKeyRatchet.FileName);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        using var reopened = DailyKeyRatchet.Open(folder.Path, "s1");
        Assert.Equal(Day.AddDays(2), reopened.Day);
        Assert.Equal(expected, reopened.DailyKey(Day.AddDays(2)));
        Assert.Equal([DailyKeyRatchet.FileName], Files(folder.Path));
        Assert.Throws<IOException>(() => DailyKeyRatchet.Create(folder.Path, "s1", Day));
        Assert.Throws<InvalidDataException>(() => DailyKeyRatchet.Open(folder.Path, "another-store"));
    }

    [Theory]
    [InlineData("next-written")]
    [InlineData("current-moved-to-old")]
    [InlineData("next-in-place")]
    public void A_crash_at_any_step_of_a_move_keeps_the_new_key_and_erases_the_old_one_at_the_next_start(string crashAt)
    {
        using var folder = new TempDirectory();
        using var seed = Seed();
        using var reference = DailyKeyRatchet.InMemory("s1", Day, seed);
        var path = Path.Combine(folder.Path, DailyKeyRatchet.FileName);
        byte[] oldFile;
        using (var ratchet = DailyKeyRatchet.Create(folder.Path, "s1", Day, seed))
        {
            oldFile = File.ReadAllBytes(path);
            ratchet.Step = step => _ = step == crashAt ? throw new IOException("power cut") : 0;
            Assert.Throws<IOException>(() => ratchet.DailyKey(Day.AddDays(1)));
        }

        // The crash left two files; the next start keeps the newest whole one and erases the other.
        using var restarted = DailyKeyRatchet.Open(folder.Path, "s1");
        Assert.Equal(Day.AddDays(1), restarted.Day);
        Assert.Equal(reference.DailyKey(Day.AddDays(1)), restarted.DailyKey(Day.AddDays(1)));
        Assert.Throws<KeyErasedException>(() => restarted.DailyKey(Day));
        Assert.Equal([DailyKeyRatchet.FileName], Files(folder.Path));
        Assert.True(File.ReadAllBytes(path).AsSpan().IndexOf(oldFile.AsSpan(oldFile.Length - 64, 32)) < 0);
    }

    [Fact]
    public void A_torn_new_file_leaves_the_current_key_in_force()
    {
        using var folder = new TempDirectory();
        using var seed = Seed();
        using var reference = DailyKeyRatchet.InMemory("s1", Day, seed);
        using (DailyKeyRatchet.Create(folder.Path, "s1", Day, seed))
        {
        }

        // A crash while the next day's file was being written: half of it, or a whole length of garbage.
        var path = Path.Combine(folder.Path, DailyKeyRatchet.FileName);
        var whole = File.ReadAllBytes(path);
        File.WriteAllBytes(path + ".next", whole.AsSpan(0, whole.Length / 2).ToArray());
        using (var restarted = DailyKeyRatchet.Open(folder.Path, "s1"))
        {
            Assert.Equal(Day, restarted.Day);
            Assert.Equal(reference.DailyKey(Day), restarted.DailyKey(Day));
        }

        Assert.Equal([DailyKeyRatchet.FileName], Files(folder.Path));
        var flipped = (byte[])whole.Clone();
        flipped[^40] ^= 1;
        File.WriteAllBytes(path, flipped);
        Assert.Throws<InvalidDataException>(() => DailyKeyRatchet.Open(folder.Path, "s1"));
    }

    [Fact]
    public void Two_processes_sharing_the_folder_never_move_it_back()
    {
        using var folder = new TempDirectory();
        using var first = DailyKeyRatchet.Create(folder.Path, "s1", Day);
        using var second = DailyKeyRatchet.Open(folder.Path, "s1");
        var ahead = first.DailyKey(Day.AddDays(2));

        // The second still holds day 0 in memory; the file says day 2, so day 1 is erased for it too.
        Assert.Throws<KeyErasedException>(() => second.DailyKey(Day.AddDays(1)));
        Assert.Equal(Day.AddDays(2), second.Day);
        Assert.Equal(ahead, second.DailyKey(Day.AddDays(2)));
        using var third = DailyKeyRatchet.Open(folder.Path, "s1");
        Assert.Equal(Day.AddDays(2), third.Day);
    }

    [Fact]
    public void A_backup_of_the_folder_from_day_d_gives_days_from_d_on_only()
    {
        using var live = new TempDirectory();
        using var backup = new TempDirectory();
        using var ratchet = DailyKeyRatchet.Create(live.Path, "s1", Day);
        var day3 = ratchet.DailyKey(Day.AddDays(3));
        File.Copy(Path.Combine(live.Path, DailyKeyRatchet.FileName), Path.Combine(backup.Path, DailyKeyRatchet.FileName));
        var day5 = ratchet.DailyKey(Day.AddDays(5));

        using var restored = DailyKeyRatchet.Open(backup.Path, "s1");
        Assert.Throws<KeyErasedException>(() => restored.DailyKey(Day.AddDays(2)));
        Assert.Equal(day3, restored.DailyKey(Day.AddDays(3)));
        Assert.Equal(day5, restored.DailyKey(Day.AddDays(5)));
    }
}
