using System.Security.Cryptography;

namespace Obscura.ModelPrivacy.Training;

/// <summary>
/// Randomness for training: Poisson sampling and Gaussian noise. <see cref="Secure"/> draws from the operating system's
/// CSPRNG, as a private release needs; <see cref="Seeded"/> repeats a run exactly, for tests and benchmarks only
/// (whoever knows the seed can subtract the noise, so a seeded model has no privacy guarantee).
/// </summary>
public abstract class NoiseSource
{
    private double? _spare;

    /// <summary>A source on the operating system's cryptographic random number generator.</summary>
    public static NoiseSource Secure() => new SecureSource();

    /// <summary>A reproducible source (no privacy: see the class remarks).</summary>
    public static NoiseSource Seeded(int seed) => new SeededSource(seed);

    /// <summary>Whether this source is reproducible (and so gives no privacy).</summary>
    public abstract bool IsReproducible { get; }

    /// <summary>A uniform double in [0, 1).</summary>
    public abstract double Uniform();

    /// <summary>A standard normal value (Box–Muller).</summary>
    public double Gaussian()
    {
        if (_spare is { } spare)
        {
            _spare = null;
            return spare;
        }

        double u;
        do
        {
            u = Uniform();
        }
        while (u <= double.Epsilon);

        var radius = Math.Sqrt(-2 * Math.Log(u));
        var angle = 2 * Math.PI * Uniform();
        _spare = radius * Math.Sin(angle);
        return radius * Math.Cos(angle);
    }

    private sealed class SeededSource(int seed) : NoiseSource
    {
        private readonly Random _random = new(seed);

        public override bool IsReproducible => true;

        public override double Uniform() => _random.NextDouble();
    }

    private sealed class SecureSource : NoiseSource
    {
        private readonly byte[] _buffer = new byte[8 * 512];
        private int _next = 8 * 512;

        public override bool IsReproducible => false;

        public override double Uniform()
        {
            if (_next == _buffer.Length)
            {
                RandomNumberGenerator.Fill(_buffer);
                _next = 0;
            }

            var bits = BitConverter.ToUInt64(_buffer, _next) >> 11;
            _next += 8;
            return bits * (1.0 / (1UL << 53));
        }
    }
}
