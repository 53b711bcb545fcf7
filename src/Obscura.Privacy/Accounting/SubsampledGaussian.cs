namespace Obscura.Privacy.Accounting;

/// <content>The Poisson-subsampled Gaussian mechanism composed over T steps (DP-SGD).</content>
public abstract partial record PrivacyCost
{
    /// <summary>
    /// <paramref name="Steps"/> steps of the Poisson-subsampled Gaussian mechanism, as in DP-SGD: each step includes
    /// every record independently with probability <paramref name="SamplingRate"/> (q) and adds Gaussian noise of
    /// standard deviation <paramref name="NoiseMultiplier"/> (σ) times the L2 sensitivity of the summed gradient.
    /// Its Rényi-DP curve is T·ε_q,σ(α), with ε_q,σ at integer α ≥ 2 in closed form (Mironov, Talwar and Zhang 2019,
    /// "Rényi differential privacy of the sampled Gaussian mechanism", Sec. 3.3): log(Σ_k C(α,k) (1−q)^(α−k) q^k
    /// exp((k² − k)/(2σ²)))/(α − 1), evaluated in log space. The add/remove-one neighbouring relation is assumed, as
    /// in Opacus and TF Privacy.
    /// </summary>
    /// <param name="SamplingRate">q, in (0, 1].</param>
    /// <param name="NoiseMultiplier">σ, the noise standard deviation over the L2 sensitivity; positive and finite.</param>
    /// <param name="Steps">T, at least 1.</param>
    public sealed record SubsampledGaussian(double SamplingRate, double NoiseMultiplier, long Steps) : PrivacyCost
    {
        /// <summary>The largest integer order evaluated term by term; higher orders are reported as +∞ (a trivial bound).</summary>
        public const int MaxOrder = 1 << 16;

        /// <summary>q, in (0, 1].</summary>
        /// <exception cref="ArgumentOutOfRangeException">Not in (0, 1].</exception>
        public double SamplingRate { get; } = SamplingRate > 0 && SamplingRate <= 1
            ? SamplingRate
            : throw new ArgumentOutOfRangeException(nameof(SamplingRate), SamplingRate, "The sampling rate q lies in (0, 1].");

        /// <summary>σ, positive and finite.</summary>
        /// <exception cref="ArgumentOutOfRangeException">Not positive and finite.</exception>
        public double NoiseMultiplier { get; } = NoiseMultiplier > 0 && double.IsFinite(NoiseMultiplier)
            ? NoiseMultiplier
            : throw new ArgumentOutOfRangeException(nameof(NoiseMultiplier), NoiseMultiplier, "The noise multiplier σ is positive and finite.");

        /// <summary>T, at least 1.</summary>
        /// <exception cref="ArgumentOutOfRangeException">Less than 1.</exception>
        public long Steps { get; } = Steps >= 1
            ? Steps
            : throw new ArgumentOutOfRangeException(nameof(Steps), Steps, "The number of steps T is at least 1.");

        /// <summary>
        /// T·ε_q,σ(α). For q = 1 this is the Gaussian mechanism's Tα/(2σ²) at every α &gt; 1. For q &lt; 1: the integer
        /// closed form at ⌈α⌉ (RDP is non-decreasing in α, so this bounds ε(α) from above); +∞ for α &lt; 2 and for
        /// ⌈α⌉ &gt; <see cref="MaxOrder"/>, both trivially valid.
        /// </summary>
        /// <param name="alpha">The Rényi order.</param>
        public double RenyiEpsilonAt(double alpha)
        {
            if (double.IsNaN(alpha) || alpha <= 1)
            {
                return double.PositiveInfinity;
            }

            if (SamplingRate == 1)
            {
                return Steps * (alpha / (2 * NoiseMultiplier * NoiseMultiplier));
            }

            if (alpha < 2 || alpha > MaxOrder)
            {
                return double.PositiveInfinity;
            }

            var order = (int)Math.Ceiling(alpha);
            return Steps * (LogA(SamplingRate, NoiseMultiplier, order) / (order - 1));
        }

        /// <summary>
        /// log A_α = log Σ_{k=0}^{α} C(α,k) (1−q)^(α−k) q^k exp((k² − k)/(2σ²)) for integer α ≥ 2 and q in (0, 1), by
        /// log-sum-exp over log-binomials, so neither the binomials nor exp((k² − k)/(2σ²)) overflow.
        /// </summary>
        internal static double LogA(double q, double sigma, int alpha)
        {
            var logQ = Math.Log(q);
            var log1mQ = double.LogP1(-q);
            var twoSigma2 = 2 * sigma * sigma;
            var terms = new double[alpha + 1];
            var logBinomial = 0.0;
            var max = double.NegativeInfinity;
            for (var k = 0; k <= alpha; k++)
            {
                if (k > 0)
                {
                    logBinomial += Math.Log(alpha - k + 1) - Math.Log(k);
                }

                terms[k] = logBinomial + ((alpha - k) * log1mQ) + (k * logQ) + ((((double)k * k) - k) / twoSigma2);
                max = Math.Max(max, terms[k]);
            }

            var sum = 0.0;
            foreach (var t in terms)
            {
                sum += Math.Exp(t - max);
            }

            return max + Math.Log(sum);
        }
    }
}
