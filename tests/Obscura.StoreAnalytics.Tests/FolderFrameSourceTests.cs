using Obscura.StoreAnalytics.Edge;
using Obscura.StoreAnalytics.Edge.Sources;
using Obscura.TestSupport;

namespace Obscura.StoreAnalytics.Tests;

/// <summary>The spool-folder frame source: naming convention, order, and that every frame file is gone once read.</summary>
public sealed class FolderFrameSourceTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 4, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Frames_come_in_time_order_with_camera_and_time_from_the_name_and_each_file_is_deleted_once_read()
    {
        using var folder = new TempDirectory();
        File.WriteAllBytes(Path.Combine(folder.Path, Frame.FileName("cam-till", At.AddSeconds(2))), [3]);
        File.WriteAllBytes(Path.Combine(folder.Path, Frame.FileName("cam-door", At.AddSeconds(2))), [2]);
        File.WriteAllBytes(Path.Combine(folder.Path, Frame.FileName("cam-door", At)), [1]);
        File.WriteAllBytes(Path.Combine(folder.Path, "notes.txt"), [9]);

        var frames = await MjpegSourceTests.ReadAllAsync(new FolderFrameSource(folder.Path));

        Assert.Equal(["cam-door@0:1", "cam-door@2:2", "cam-till@2:3"], frames.Select(f => $"{f.Camera}@{(f.Timestamp - At).TotalSeconds}:{f.Encoded[0]}"));
        Assert.Equal(["notes.txt"], Directory.EnumerateFiles(folder.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_folder_of_one_camera_takes_names_that_carry_only_the_time()
    {
        using var folder = new TempDirectory();
        File.WriteAllBytes(Path.Combine(folder.Path, "20261204T090001000Z.jpg"), [1]);
        File.WriteAllBytes(Path.Combine(folder.Path, Frame.FileName("cam-door", At)), [2]);
        File.WriteAllBytes(Path.Combine(folder.Path, Frame.FileName("cam-till", At)), [3]);

        var frames = await MjpegSourceTests.ReadAllAsync(new FolderFrameSource(folder.Path, "cam-door"));

        Assert.Equal([(At, 2), (At.AddSeconds(1), 1)], frames.Select(f => (f.Timestamp, (int)f.Encoded[0])));
        Assert.All(frames, f => Assert.Equal("cam-door", f.Camera));

        // Another camera's file is not this source's: left for its own.
        Assert.Single(Directory.EnumerateFiles(folder.Path));
    }

    [Fact]
    public async Task An_oversized_file_is_deleted_and_handed_on_empty_so_the_host_refuses_it()
    {
        using var folder = new TempDirectory();
        var path = Path.Combine(folder.Path, Frame.FileName("cam-door", At));
        using (var file = File.Create(path))
        {
            file.SetLength(FolderFrameSource.MaxFrameBytes + 1);
        }

        var frame = Assert.Single(await MjpegSourceTests.ReadAllAsync(new FolderFrameSource(folder.Path)));

        Assert.Empty(frame.Encoded);
        Assert.False(File.Exists(path));
    }
}
