using Obscura.Biometrics.Templates;

namespace Obscura.Biometrics.Tests;

/// <summary>
/// Synthetic embeddings: each identity is a random unit vector; a capture adds Gaussian noise of total norm about
/// 0.5, so genuine pairs score about 0.8 and impostor pairs about 0 ± 1/√d. No model download is needed.
/// </summary>
internal sealed class SyntheticFaces(int dimension, int seed, double captureNoise = 0.5)
{
    private readonly Random _random = new(seed);

    public float[] Identity() => Gaussian(1.0);

    public FaceTemplate Capture(float[] identity)
    {
        var noise = Gaussian(captureNoise);
        return FaceTemplate.FromEmbedding(identity.Zip(noise, (a, b) => a + b).ToArray());
    }

    private float[] Gaussian(double norm)
    {
        var v = new float[dimension];
        for (var i = 0; i < dimension; i++)
        {
            var u1 = 1 - _random.NextDouble();
            var u2 = _random.NextDouble();
            v[i] = (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2) * norm / Math.Sqrt(dimension));
        }

        return v;
    }
}
