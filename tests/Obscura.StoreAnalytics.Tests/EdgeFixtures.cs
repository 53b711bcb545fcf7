using Obscura.Biometrics.Onnx.Models;
using Obscura.StoreAnalytics.Edge;
using Obscura.StoreAnalytics.GroupIds;
using Obscura.TestSupport;

namespace Obscura.StoreAnalytics.Tests;

/// <summary>A two-zone store (entrance, checkout with a masked left half) on the real models.</summary>
internal static class EdgeFixtures
{
    public static readonly DateTimeOffset Morning = new(2026, 12, 4, 8, 30, 0, TimeSpan.Zero);

    public static EdgeConfiguration Configuration(int k = 1) => new EdgeConfiguration
    {
        Store = "stockholm-1",
        UtcOffsetMinutes = 60,
        Zones = new Dictionary<string, ZoneKind> { ["entrance"] = ZoneKind.Entrance, ["checkout"] = ZoneKind.Checkout },
        Cameras = new Dictionary<string, CameraConfiguration>
        {
            ["cam-door"] = new() { Zone = "entrance" },
            ["cam-till"] = new() { Zone = "checkout", Masks = [new MaskRectangle(0, 0, 256, 256)] },
        },
        GroupIds = GroupIdDefaults.Parameters with { MinimumGroupSize = k },
        ReMatchByLength = [.. Enumerable.Range(0, GroupIdDefaults.Parameters.Bits + 1).Select(l => Math.Pow(0.917, l))],
    }.Validate();

    /// <summary>The first day of the fixtures' ratchets: every frame of these tests is on or after it.</summary>
    public static readonly DateOnly FirstDay = new(2026, 12, 1);

    /// <summary>An edge whose ratchet (in memory, seeded from <paramref name="secret"/>) starts at <see cref="FirstDay"/>; the ratchet is disposed with the edge's test.</summary>
    public static async Task<EdgeProcessor> OpenAsync(EdgeConfiguration configuration, StoreSecret secret, SeededRandom? random = null) =>
        EdgeProcessor.Open(configuration, DailyKeyRatchet.InMemory(configuration.Store, FirstDay, secret), await RealFaceModels.StoreAsync(), FaceModelCatalog.BlazeFaceFront128, random);
}
