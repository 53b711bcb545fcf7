using Obscura.Biometrics.Onnx.Capture;
using Obscura.TestSupport;

namespace Obscura.StoreAnalytics.Tests;

/// <summary>
/// Real embeddings from the capture pipeline: the three committed portraits and six changed copies of each (rotated,
/// rescaled, relit, recompressed), as the capture tests use. A genuine pair is two copies of one photo (see
/// docs/biometrics.md: there is one photo per person), so genuine angles here are smaller than those of two visits.
/// </summary>
internal static class RealEmbeddings
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static List<(string Person, float[] Embedding)>? _all;

    public static async Task<IReadOnlyList<(string Person, float[] Embedding)>> AllAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_all is null)
            {
                using var capture = FaceCapture.Open(await RealFaceModels.StoreAsync());
                var all = new List<(string, float[])>();
                foreach (var (person, photo) in new[] { ("hopper", TestPhotos.Hopper), ("collins", TestPhotos.Collins), ("cameraman", TestPhotos.Cameraman) })
                {
                    foreach (var bytes in new[]
                    {
                        photo,
                        TestPhotos.Variant(photo, degrees: 12),
                        TestPhotos.Variant(photo, degrees: -8, scale: 0.6f),
                        TestPhotos.Variant(photo, brightness: 0.7f, quality: 50),
                        TestPhotos.Variant(photo, scale: 1.5f, brightness: 1.15f),
                        TestPhotos.Variant(photo, degrees: 20),
                        TestPhotos.Variant(photo, scale: 0.4f),
                    })
                    {
                        if (capture.Capture(bytes).Template is { } template)
                        {
                            all.Add((person, template.Values.ToArray()));
                        }
                    }
                }

                _all = all;
            }

            return _all;
        }
        finally
        {
            Gate.Release();
        }
    }

    public static double Cosine(float[] a, float[] b) => a.Zip(b, (x, y) => (double)x * y).Sum();

    /// <summary>Every pair of captures, genuine (same person) or not, with its angle.</summary>
    public static IEnumerable<(bool Genuine, int A, int B, double Angle)> Pairs(IReadOnlyList<(string Person, float[] Embedding)> all)
    {
        for (var i = 0; i < all.Count; i++)
        {
            for (var j = i + 1; j < all.Count; j++)
            {
                yield return (all[i].Person == all[j].Person, i, j, Math.Acos(Math.Clamp(Cosine(all[i].Embedding, all[j].Embedding), -1, 1)));
            }
        }
    }
}
