using System.Diagnostics;
using System.Text;

namespace Obscura.StoreAnalytics.Tests;

/// <summary>ZBar's zbarimg (Debian package zbar-tools) as the independent QR decoder of the tests.</summary>
internal static class Zbar
{
    /// <summary>zbarimg on this machine, or null.</summary>
    public static string? Zbarimg() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Select(d => Path.Combine(d, "zbarimg")).FirstOrDefault(File.Exists);

    /// <summary>The text zbarimg reads from the PNG (its raw output, UTF-8), skipping the test when zbarimg is not installed.</summary>
    public static async Task<string> DecodeAsync(byte[] png, string folder)
    {
        var zbarimg = Zbarimg();
        Assert.False(zbarimg is null && Environment.GetEnvironmentVariable("OBSCURA_REQUIRE_ZBARIMG") == "1", "OBSCURA_REQUIRE_ZBARIMG=1 (set by .ci/run) but zbarimg is not on PATH.");
        Assert.SkipWhen(zbarimg is null, "zbarimg is not installed (Debian package zbar-tools; .ci/run installs it): the decoder check needs it.");
        var file = Path.Combine(folder, $"{Guid.NewGuid():N}.png");
        await File.WriteAllBytesAsync(file, png, TestContext.Current.CancellationToken);
        var start = new ProcessStartInfo(zbarimg!) { RedirectStandardOutput = true, RedirectStandardError = true, StandardOutputEncoding = Encoding.UTF8 };
        foreach (var argument in new[] { "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", "-Sbinary", file })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, $"zbarimg found no symbol (exit {process.ExitCode}): {error}");
        return output.TrimEnd('\n');
    }
}
