using System.Diagnostics;
using System.Globalization;
using Obscura.Biometrics.Identification;
using Obscura.Biometrics.Keys;
using Obscura.Homomorphic.Ckks;
using Obscura.TestSupport;

namespace Obscura.Biometrics.Tests;

/// <summary>
/// The 1:N key's persistent decryption budget (<see cref="GalleryDecryptionBudget"/>): the total of flooded decryptions
/// over every instance, thread and process on one key holder folder never exceeds the stored policy's t, a different
/// policy is refused, and a reservation is on disk before the decryption it allows.
/// </summary>
public sealed class GalleryDecryptionBudgetTests(GalleryProviderFixture fixture) : IClassFixture<GalleryProviderFixture>
{
    private const string ChildFolder = "OBSCURA_TEST_BUDGET_FOLDER";
    private const string ChildMode = "OBSCURA_TEST_BUDGET_MODE";
    private const string ChildErrorBound = "OBSCURA_TEST_BUDGET_E";
    private const string ChildMaxDecryptions = "OBSCURA_TEST_BUDGET_T";
    private const string KeyId = "gk_test";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Threads_on_two_instances_of_one_budget_file_reserve_exactly_t_in_total()
    {
        using var folder = new TempDirectory();
        var policy = new NoiseFloodingPolicy(1000, maxDecryptions: 40);
        using var first = GalleryDecryptionBudget.Open(folder.Path, KeyId);
        using var second = GalleryDecryptionBudget.Open(folder.Path, KeyId);
        var served = 0;
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            // Each thread alone tries t times, so any over-count shows (and a broken limit cannot loop for ever).
            var budget = i % 2 == 0 ? first : second;
            for (var attempt = 0; attempt < policy.MaxDecryptions && TryReserve(budget, policy); attempt++)
            {
                Interlocked.Increment(ref served);
            }
        });

        Assert.Equal(40, served);
        Assert.Equal(40, first.Used);
        Assert.Equal(40, second.Used);
    }

    [Fact]
    public async Task Two_processes_racing_on_one_budget_file_never_reserve_more_than_t_in_total()
    {
        using var folder = new TempDirectory();
        const int T = 60;
        using var budget = GalleryDecryptionBudget.Open(folder.Path, KeyId);
        var policy = budget.Adopt(new NoiseFloodingPolicy(1234.5, T));
        var children = new[] { StartChild(folder.Path, "race", policy), StartChild(folder.Path, "race", policy) };
        try
        {
            // Both are up and have opened the budget before either reserves: the race is real.
            foreach (var child in children)
            {
                await ReadLineStartingAsync(child, "ready");
            }

            foreach (var child in children)
            {
                await child.StandardInput.WriteLineAsync("go");
                await child.StandardInput.FlushAsync(Ct);
            }

            var counts = new List<int>();
            foreach (var child in children)
            {
                var line = await ReadLineStartingAsync(child, "reserved ");
                counts.Add(int.Parse(line["reserved ".Length..], CultureInfo.InvariantCulture));
                var rest = await child.StandardOutput.ReadToEndAsync(Ct);
                await child.WaitForExitAsync(Ct);
                Assert.True(child.ExitCode == 0, $"The child failed: {rest} {await child.StandardError.ReadToEndAsync(Ct)}");
            }

            TestContext.Current.TestOutputHelper?.WriteLine($"reservations per process under t = {T}: {string.Join(", ", counts)}");
            Assert.Equal(T, counts.Sum());
            Assert.Equal(T, budget.Used);
        }
        finally
        {
            Stop(children);
        }
    }

    [Fact]
    public async Task A_process_killed_after_its_reservation_keeps_the_count_so_the_reservation_precedes_the_decryption()
    {
        using var folder = new TempDirectory();
        using var budget = GalleryDecryptionBudget.Open(folder.Path, KeyId);
        var policy = budget.Adopt(new NoiseFloodingPolicy(1000, 3));
        var child = StartChild(folder.Path, "reserve-and-hang", policy);
        try
        {
            await ReadLineStartingAsync(child, "ready");
            await child.StandardInput.WriteLineAsync("go");
            await child.StandardInput.FlushAsync(Ct);

            // The child returned from Reserve and now stands where the decryption would run: killing it is the crash.
            Assert.Equal("reserved 1", await ReadLineStartingAsync(child, "reserved "));
            child.Kill(entireProcessTree: true);
            await child.WaitForExitAsync(Ct);
        }
        finally
        {
            Stop([child]);
        }

        using var reopened = GalleryDecryptionBudget.Open(folder.Path, KeyId);
        Assert.Equal(1, reopened.Used);
    }

    [Fact]
    public void The_budget_stores_the_first_policy_and_refuses_any_other_so_t_cannot_be_raised_nor_sigma_lowered()
    {
        using var folder = new TempDirectory();
        var stored = new NoiseFloodingPolicy(1000.125, maxDecryptions: 3);
        using (var budget = GalleryDecryptionBudget.Open(folder.Path, KeyId))
        {
            Assert.Null(budget.Policy);
            Assert.Same(stored, budget.Adopt(stored));
            budget.Reserve(stored);
        }

        using var reopened = GalleryDecryptionBudget.Open(folder.Path, KeyId);
        var read = reopened.Policy!;
        Assert.Equal((stored.ErrorBound, stored.MaxDecryptions, stored.StatisticalSecurityBits, stored.Sigma), (read.ErrorBound, read.MaxDecryptions, read.StatisticalSecurityBits, read.Sigma));
        Assert.Equal(stored.ErrorBound, reopened.Adopt(new NoiseFloodingPolicy(5, 100)).ErrorBound);
        Assert.Throws<FloodingPolicyMismatchException>(() => reopened.Reserve(new NoiseFloodingPolicy(1000.125, maxDecryptions: 4))); // larger t
        Assert.Throws<FloodingPolicyMismatchException>(() => reopened.Reserve(new NoiseFloodingPolicy(999, maxDecryptions: 3))); // smaller σ
        Assert.Throws<FloodingPolicyMismatchException>(() => reopened.Reserve(new NoiseFloodingPolicy(1000.125, 3, statisticalSecurityBits: 20))); // smaller σ
        Assert.Throws<FloodingPolicyMismatchException>(() => reopened.Reserve(new NoiseFloodingPolicy(1000.125, maxDecryptions: 2))); // another σ
        Assert.Equal(1, reopened.Used);
        reopened.Reserve(read);
        reopened.Reserve(stored);
        Assert.Throws<DecisionBudgetSpentException>(() => reopened.Reserve(stored));
        Assert.Equal(3, reopened.Used);

        // Another key in the same folder has its own policy and count.
        using var other = GalleryDecryptionBudget.Open(folder.Path, "gk_other");
        other.Reserve(new NoiseFloodingPolicy(7, 1));
        Assert.Equal((1, 3), (other.Used, reopened.Used));
        Assert.Empty(FileModes.WiderThanOwnerOnly(folder.Path));
    }

    [Fact]
    public void Key_holders_opened_on_one_folder_share_the_stored_policy_and_its_t()
    {
        using var folder = new TempDirectory();
        using var first = GalleryKeyHolder.Open(GalleryProviderFixture.Copy(fixture.SecretKey), folder.Path, KeyId, maxDecryptions: 2);
        using var second = GalleryKeyHolder.Open(GalleryProviderFixture.Copy(fixture.SecretKey), folder.Path, KeyId);
        Assert.Equal((first.Policy.Sigma, 2L), (second.Policy.Sigma, second.Policy.MaxDecryptions));
        Assert.Throws<FloodingPolicyMismatchException>(() => GalleryKeyHolder.Open(GalleryProviderFixture.Copy(fixture.SecretKey), folder.Path, KeyId, maxDecryptions: 3));

        // A key holder constructed with its own policy on the shared budget is refused before it decrypts.
        using var strayBudget = GalleryDecryptionBudget.Open(folder.Path, KeyId);
        using var stray = new GalleryKeyHolder(GalleryProviderFixture.Copy(fixture.SecretKey), fixture.Policy, strayBudget);
        var results = SearchResults();
        Assert.Throws<FloodingPolicyMismatchException>(() => stray.Identify(results));

        Assert.Single(first.Identify(results));
        Assert.Single(second.Identify(results));
        Assert.Throws<DecisionBudgetSpentException>(() => first.Identify(results));
        Assert.Throws<DecisionBudgetSpentException>(() => second.Identify(results));
        Assert.Empty(FileModes.WiderThanOwnerOnly(folder.Path));
    }

    /// <summary>
    /// The other process of the cross-process tests (run only when a test starts this assembly for it): opens the budget
    /// folder it is given, says "ready", waits for "go", then reserves until the budget is spent or it alone made t reservations ("race") or reserves
    /// once and waits to be killed ("reserve-and-hang"), and prints "reserved N".
    /// </summary>
    [Fact(Explicit = true)]
    public void Child_process_reserving_on_a_shared_budget()
    {
        var folder = Environment.GetEnvironmentVariable(ChildFolder) ?? throw new InvalidOperationException("Started by a cross-process test only.");
        var policy = new NoiseFloodingPolicy(
            double.Parse(Environment.GetEnvironmentVariable(ChildErrorBound)!, CultureInfo.InvariantCulture),
            long.Parse(Environment.GetEnvironmentVariable(ChildMaxDecryptions)!, CultureInfo.InvariantCulture));
        using var budget = GalleryDecryptionBudget.Open(folder, KeyId);
        Console.WriteLine("ready");
        Assert.Equal("go", Console.ReadLine());
        var reserved = 0;
        if (Environment.GetEnvironmentVariable(ChildMode) == "reserve-and-hang")
        {
            budget.Reserve(policy);
            Console.WriteLine("reserved 1");
            Console.ReadLine();
            return;
        }

        while (reserved < policy.MaxDecryptions && TryReserve(budget, policy))
        {
            reserved++;
        }

        Console.WriteLine($"reserved {reserved}");
    }

    private static bool TryReserve(IDecryptionBudget budget, NoiseFloodingPolicy policy)
    {
        try
        {
            budget.Reserve(policy);
            return true;
        }
        catch (DecisionBudgetSpentException)
        {
            return false;
        }
    }

    /// <summary>Starts this test assembly (xunit's in-process runner) in a new process running only <see cref="Child_process_reserving_on_a_shared_budget"/>.</summary>
    private static Process StartChild(string folder, string mode, NoiseFloodingPolicy policy)
    {
        var assembly = typeof(GalleryDecryptionBudgetTests).Assembly.Location;
        var info = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "exec", assembly, "-method", $"{typeof(GalleryDecryptionBudgetTests).FullName}.{nameof(Child_process_reserving_on_a_shared_budget)}", "-explicit", "only", "-noLogo", "-noColor" })
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment[ChildFolder] = folder;
        info.Environment[ChildMode] = mode;
        info.Environment[ChildErrorBound] = policy.ErrorBound.ToString("R", CultureInfo.InvariantCulture);
        info.Environment[ChildMaxDecryptions] = policy.MaxDecryptions.ToString(CultureInfo.InvariantCulture);
        return Process.Start(info)!;
    }

    /// <summary>The child's next output line that starts with <paramref name="prefix"/> (the test platform writes its own lines too).</summary>
    private static async Task<string> ReadLineStartingAsync(Process child, string prefix)
    {
        while (await child.StandardOutput.ReadLineAsync(Ct) is { } line)
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return line;
            }
        }

        throw new InvalidOperationException($"The child ended without '{prefix}': {await child.StandardError.ReadToEndAsync(Ct)}");
    }

    private static void Stop(IEnumerable<Process> children)
    {
        foreach (var child in children)
        {
            if (!child.HasExited)
            {
                child.Kill(entireProcessTree: true);
            }

            child.Dispose();
        }
    }

    private IReadOnlyList<EncryptedBlockScores> SearchResults()
    {
        var faces = new SyntheticFaces(128, 1304);
        using var galleryKey = GalleryTransformationKey.Generate(GalleryProviderFixture.Purpose);
        var gallery = new EncryptedGallery(128, galleryKey);
        var identity = faces.Identity();
        gallery.Add(fixture.Encryptor, fixture.PublicKey, ["only"], [galleryKey.Apply(faces.Capture(identity))]);
        return gallery.Search(GalleryProbe.Prepare(galleryKey, faces.Capture(identity), 0.5, fixture.Encryptor));
    }
}
