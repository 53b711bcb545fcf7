using Obscura.Privacy.Accounting.Internal;

namespace Obscura.Privacy.Accounting;

/// <summary>
/// A pessimistic discrete privacy-loss distribution (PLD) of one ordered pair of output distributions (P, Q): masses of
/// P at the losses k·h on a grid of interval h, a mass at +∞ (outputs Q cannot produce), and an allowance for what the
/// computation may have lost to truncation and round-off. Its hockey-stick curve
/// δ(ε) = Σ_ℓ p_ℓ (1 − e^(ε − ℓ))₊ + p_∞ + allowance is at or above the true curve of the pair at every ε, so the
/// ε(δ) it reports is never below the true one.
/// <para>
/// A single mechanism is discretised by "connecting the dots" (Doroshenko, Ghazi, Kamath, Kumar and Manurangsi,
/// PETS 2022): its exact privacy profile, taken at the grid points, is interpolated linearly in e^ε. The profile is
/// convex in e^ε, so the chords lie above it, and the interpolant is itself the profile of a valid pair supported on
/// the grid, which therefore dominates the mechanism; domination survives composition (Dong, Roth and Su 2022,
/// tensorisation of trade-off functions). Composition convolves the masses by FFT (Koskela, Jälkö and Honkela 2020;
/// Gopi, Lee and Wutschitz 2021), with every truncation made pessimistic and every floating-point error bounded and
/// added to the allowance.
/// </para>
/// </summary>
public sealed class PrivacyLossDistribution
{
    /// <summary>
    /// The largest number of grid points a distribution may have (2^22: one composition then takes at most a few
    /// seconds and 200 MiB). Beyond it the PLD is declined and Rényi accounting alone applies.
    /// </summary>
    public const int MaxPoints = 1 << 22;

    private readonly double[] _masses;

    private PrivacyLossDistribution(double interval, long lowestIndex, double[] masses, double infinityMass, double allowance)
    {
        Interval = interval;
        LowestIndex = lowestIndex;
        _masses = masses;
        InfinityMass = Math.Clamp(infinityMass, 0, 1);
        Allowance = allowance;
    }

    /// <summary>h, the spacing of the loss grid.</summary>
    public double Interval { get; }

    /// <summary>The grid index of the first mass: its loss is <c>LowestIndex · Interval</c>.</summary>
    public long LowestIndex { get; }

    /// <summary>The number of grid points.</summary>
    public int Count => _masses.Length;

    /// <summary>The smallest finite loss on the grid.</summary>
    public double LowestLoss => LowestIndex * Interval;

    /// <summary>The largest finite loss on the grid.</summary>
    public double HighestLoss => (LowestIndex + _masses.Length - 1) * Interval;

    /// <summary>The mass of P at loss +∞: it counts in full towards δ at every ε.</summary>
    public double InfinityMass { get; }

    /// <summary>
    /// A bound on the L1 distance between the stored masses and a pessimistic distribution (floating-point round-off of
    /// the transforms and mass dropped beyond the grid); added to every δ, so it cannot make the result optimistic.
    /// </summary>
    public double Allowance { get; }

    /// <summary>The mass at grid point <paramref name="index"/> (0 … <see cref="Count"/> − 1).</summary>
    public double MassAt(int index) => _masses[index];

    /// <summary>
    /// δ(ε) = Σ p_ℓ (1 − e^(ε − ℓ))₊ + p_∞ + allowance: the hockey-stick divergence H_(e^ε)(P ‖ Q) of the pessimistic
    /// pair, at or above the true one. Between grid points it is linear in e^ε (exactly, for a grid-supported pair).
    /// </summary>
    /// <param name="epsilon">ε, finite.</param>
    /// <exception cref="ArgumentOutOfRangeException">ε is not finite.</exception>
    public double DeltaFor(double epsilon)
    {
        if (!double.IsFinite(epsilon))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "ε is finite.");
        }

        var constant = InfinityMass + Allowance;
        var position = (epsilon / Interval) - LowestIndex; // fractional grid position of ε
        if (position >= _masses.Length - 1)
        {
            return Math.Min(1, constant);
        }

        if (position < 0)
        {
            // Every finite loss exceeds ε: δ = Σ p (1 − e^(ε − ℓ)).
            var sum = 0.0;
            for (var j = 0; j < _masses.Length; j++)
            {
                sum += _masses[j] * -AccurateMath.ExpM1(epsilon - ((LowestIndex + j) * Interval));
            }

            return Math.Min(1, sum + constant);
        }

        var k = (int)Math.Floor(position);
        var (below, above) = GridDeltas(k);
        var fraction = AccurateMath.ExpM1(epsilon - ((LowestIndex + k) * Interval)) / AccurateMath.ExpM1(Interval);
        return Math.Min(1, below + ((above - below) * Math.Clamp(fraction, 0, 1)) + constant);
    }

    /// <summary>
    /// The smallest ε ≥ 0 with <see cref="DeltaFor"/>(ε) ≤ δ; +∞ when the mass at +∞ and the allowance alone exceed δ.
    /// </summary>
    /// <param name="delta">δ, strictly between 0 and 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">δ is not strictly between 0 and 1.</exception>
    public double EpsilonFor(double delta)
    {
        if (!(delta > 0 && delta < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(delta), delta, "δ lies strictly between 0 and 1.");
        }

        var target = delta - InfinityMass - Allowance;
        if (!(target > 0))
        {
            return double.PositiveInfinity;
        }

        // D_k = Σ_{j>k} p_j (1 − e^(ℓ_k − ℓ_j)), from the top down: every term is non-negative, so nothing cancels.
        var decay = Math.Exp(-Interval);
        var oneMinusDecay = -AccurateMath.ExpM1(-Interval);
        var above = 0.0; // Σ_{j>k} p_j
        var current = 0.0; // D_k
        for (var k = _masses.Length - 2; k >= 0; k--)
        {
            var next = current;
            above += _masses[k + 1];
            current = (oneMinusDecay * above) + (decay * next);
            if (current > target)
            {
                // δ is linear in e^ε on [ℓ_k, ℓ_(k+1)], from current down to next.
                var share = (current - target) / (current - next);
                var epsilon = ((LowestIndex + k) * Interval) + AccurateMath.LogP1(share * AccurateMath.ExpM1(Interval));
                return Math.Max(0, epsilon);
            }
        }

        // Below the grid δ(ε) = M − e^ε B with M = Σ p and B = Σ p e^(−ℓ).
        var mass = 0.0;
        var weighted = 0.0;
        for (var j = 0; j < _masses.Length; j++)
        {
            mass += _masses[j];
            weighted += _masses[j] * Math.Exp(-(LowestIndex + j) * Interval);
        }

        return mass > target && weighted > 0 ? Math.Max(0, Math.Log((mass - target) / weighted)) : 0;
    }

    /// <summary>
    /// The distribution of the sum of the losses of this pair and <paramref name="other"/> (composition of the two
    /// mechanisms, one after the other): a linear convolution by FFT. Tails with less than
    /// <paramref name="tailMass"/> on either side are cut pessimistically: the upper one moves to +∞, the lower one onto
    /// the lowest grid point kept.
    /// </summary>
    /// <exception cref="ArgumentException">The grids have different intervals, or the result would exceed <see cref="MaxPoints"/>.</exception>
    public PrivacyLossDistribution Compose(PrivacyLossDistribution other, double tailMass = 1e-15)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Interval != Interval)
        {
            throw new ArgumentException("Both distributions must be on the same loss grid.", nameof(other));
        }

        var length = _masses.Length + other._masses.Length - 1;
        var size = PowerOfTwoAtLeast(length) ?? throw new ArgumentException("The composed distribution would exceed the grid limit; use a coarser interval.", nameof(other));
        var real = new double[size];
        var imaginary = new double[size];
        _masses.CopyTo(real, 0);
        other._masses.CopyTo(imaginary, 0);
        var norms = Norm2(_masses) + Norm2(other._masses);
        Fft.Transform(real, imaginary, inverse: false);

        // Both real inputs share one transform: X_k = (Z_k + conj Z_(n−k))/2, Y_k = (Z_k − conj Z_(n−k))/(2i).
        var productReal = new double[size];
        var productImaginary = new double[size];
        for (var k = 0; k < size; k++)
        {
            var m = (size - k) & (size - 1);
            var xr = (real[k] + real[m]) / 2;
            var xi = (imaginary[k] - imaginary[m]) / 2;
            var yr = (imaginary[k] + imaginary[m]) / 2;
            var yi = -(real[k] - real[m]) / 2;
            productReal[k] = (xr * yr) - (xi * yi);
            productImaginary[k] = (xr * yi) + (xi * yr);
        }

        Fft.Transform(productReal, productImaginary, inverse: true);
        var masses = new double[length];
        for (var i = 0; i < length; i++)
        {
            masses[i] = Math.Max(0, productReal[i]);
        }

        // Round-off (Higham Thm 24.2 for each transform; the split of the shared transform at most doubles the first
        // one's error): the L1 error is at most √n times the L2 error of the output.
        var gamma = Fft.ErrorFactor(size);
        var roundOff = Math.Sqrt(size) * gamma * ((2 * norms) + Norm2(masses)) * 1.01;
        var infinity = 1 - ((1 - InfinityMass) * (1 - other.InfinityMass));
        return Trim(Interval, LowestIndex + other.LowestIndex, masses, infinity, Allowance + other.Allowance + roundOff, tailMass);
    }

    /// <summary>
    /// The distribution of <paramref name="times"/> compositions of this pair with itself. One FFT of a window chosen by
    /// Chernoff bounds, each frequency raised to the power T, one inverse FFT. Mass beyond the window wraps around
    /// (circular convolution): mass from below only ever raises losses, which is pessimistic; the Chernoff bound on the
    /// mass above the window is added to the allowance, as is the round-off bound.
    /// </summary>
    /// <param name="times">T, at least 1.</param>
    /// <param name="tailMass">The Chernoff bound each tail of the window must meet.</param>
    /// <exception cref="ArgumentOutOfRangeException">T is below 1.</exception>
    /// <exception cref="ArgumentException">The window would exceed <see cref="MaxPoints"/>.</exception>
    public PrivacyLossDistribution ComposeSelf(long times, double tailMass = 1e-15)
    {
        if (times < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(times), times, "The number of compositions is at least 1.");
        }

        if (times == 1)
        {
            return this;
        }

        var t = (double)times;
        var logTail = Math.Log(tailMass);

        // Upper end U with mass{S ≥ U} ≤ e^(T·K(λ) − λU) ≤ tailMass, and lower end likewise with K(−λ).
        var (upperLambda, upper) = ChernoffEnd(+1, t, logTail);
        var (_, lower) = ChernoffEnd(-1, t, logTail);
        var minimum = checked(LowestIndex * times);
        var maximum = checked((LowestIndex + _masses.Length - 1) * times);
        var low = Math.Max(minimum, (long)Math.Floor(lower / Interval));
        var high = Math.Min(maximum, (long)Math.Ceiling(upper / Interval));
        if (high <= low)
        {
            high = low + 1;
        }

        var size = PowerOfTwoAtLeast(high - low + 1) ?? throw new ArgumentException("The composed distribution would exceed the grid limit; use a coarser interval.", nameof(times));

        // Mass strictly above the window's top index low + size − 1, if the window does not reach the maximum.
        var aboveWindow = low + size - 1 >= maximum
            ? 0
            : Math.Exp((t * LogMoment(upperLambda)) - (upperLambda * (low + size) * Interval));

        var real = new double[size];
        var imaginary = new double[size];
        for (var j = 0; j < _masses.Length; j++)
        {
            real[j & (size - 1)] += _masses[j];
        }

        var inputMass = 0.0;
        foreach (var m in _masses)
        {
            inputMass += m;
        }

        Fft.Transform(real, imaginary, inverse: false);

        // Every butterfly stage adds at most η·‖p‖₁ to any one output (its values are partial sums of p with unit-modulus
        // coefficients), so each frequency errs by at most e = γ‖p‖₁, and z ↦ z^T is T·(|ẑ| + e)^(T−1)-Lipschitz there.
        var gamma = Fft.ErrorFactor(size);
        var perFrequency = gamma * inputMass;
        var lipschitzSquared = 0.0;
        var powerErrorSquared = 0.0;
        var outputNormSquared = 0.0;
        for (var k = 0; k < size; k++)
        {
            var modulus = Math.Sqrt((real[k] * real[k]) + (imaginary[k] * imaginary[k]));
            var lipschitz = t * Math.Exp((t - 1) * Math.Log(modulus + perFrequency));
            lipschitzSquared += lipschitz * lipschitz;
            double powered = 0, phase = 0;
            if (modulus > 0)
            {
                var logModulus = Math.Log(modulus);
                powered = Math.Exp(t * logModulus);
                phase = t * Math.Atan2(imaginary[k], real[k]);

                // exp, log, atan2 and the product with T each err by a few ulps relative to T·(|ln|z|| + π).
                var relative = 8 * 1.1102230246251565e-16 * (1 + (t * (Math.Abs(logModulus) + Math.PI)));
                powerErrorSquared += powered * relative * powered * relative;
            }

            (var sin, var cos) = Math.SinCos(phase);
            real[k] = powered * cos;
            imaginary[k] = powered * sin;
            outputNormSquared += powered * powered;
        }

        var frequencyError = (perFrequency * Math.Sqrt(lipschitzSquared)) + Math.Sqrt(powerErrorSquared);
        Fft.Transform(real, imaginary, inverse: true);

        // Output L2 error ≤ (‖frequency error‖₂ + γ‖W‖₂)/√n; its L1 error ≤ √n times that.
        var roundOff = (frequencyError + (gamma * Math.Sqrt(outputNormSquared))) * 1.01;
        var masses = new double[size];
        var offset = (int)(((low - minimum) % size + size) % size);
        for (var w = 0; w < size; w++)
        {
            masses[w] = Math.Max(0, real[(w + offset) & (size - 1)]);
        }

        var infinity = -AccurateMath.ExpM1(t * AccurateMath.LogP1(-InfinityMass));
        var allowance = (t * Allowance) + roundOff + aboveWindow;
        return Trim(Interval, low, masses, infinity, allowance, tailMass);
    }

    /// <summary>
    /// Discretises a mechanism, given its exact privacy profile, by connecting the dots on the grid from
    /// <paramref name="lowestIndex"/>·h to <paramref name="highestIndex"/>·h: the pair whose hockey-stick curve is the
    /// profile's linear interpolation in e^ε through those points and (e^ε = 0, δ = 1), constant δ(ε_max) beyond.
    /// </summary>
    internal static PrivacyLossDistribution FromProfile(Func<double, double> profile, double interval, long lowestIndex, long highestIndex)
    {
        var count = checked((int)(highestIndex - lowestIndex + 1));
        var deltas = new double[count];
        for (var i = 0; i < count; i++)
        {
            deltas[i] = Math.Clamp(profile((lowestIndex + i) * interval), 0, 1);
        }

        var growth = Math.Exp(interval);
        var step = AccurateMath.ExpM1(interval);
        var masses = new double[count];
        for (var i = 0; i < count; i++)
        {
            // ω_i = e^(ℓ_i)·(slope change of the interpolant at e^(ℓ_i)); the slope left of the grid is (δ_0 − 1)/e^(ℓ_0),
            // right of it 0.
            var right = i + 1 < count ? (deltas[i + 1] - deltas[i]) / step : 0;
            var left = i > 0 ? (deltas[i] - deltas[i - 1]) * growth / step : deltas[0] - 1;
            masses[i] = Math.Max(0, right - left); // convexity makes it non-negative; clamping only adds mass below ε
        }

        return new PrivacyLossDistribution(interval, lowestIndex, masses, deltas[^1], 0);
    }

    /// <summary>
    /// The grid indices from which to connect the dots: the highest index whose loss has at most
    /// <paramref name="tailMass"/> of P at or below it, and the lowest whose δ is at most <paramref name="tailMass"/>
    /// (that δ becomes the mass at +∞). Null when the grid would exceed <see cref="MaxPoints"/>.
    /// </summary>
    internal static (long Lowest, long Highest)? GridFor(Func<double, double> profile, Func<double, double> massAtOrBelow, double interval, double tailMass)
    {
        var lowest = LastIndexWhere(i => massAtOrBelow(i * interval) <= tailMass, interval);
        var highest = FirstIndexWhere(i => profile(i * interval) <= tailMass, interval);
        if (lowest is not { } lo || highest is not { } hi)
        {
            return null;
        }

        hi = Math.Max(hi, lo + 1);
        return hi - lo + 1 > MaxPoints ? null : (lo, hi);
    }

    // The largest grid index i with predicate(i) (the predicate holds below some point and fails above it).
    private static long? LastIndexWhere(Func<long, bool> holds, double interval)
    {
        var limit = (long)Math.Min(1e15, 1e6 / interval);
        long good, bad;
        if (holds(0))
        {
            good = 0;
            bad = 1;
            while (holds(bad))
            {
                good = bad;
                bad *= 2;
                if (bad > limit)
                {
                    return null;
                }
            }
        }
        else
        {
            bad = 0;
            good = -1;
            while (!holds(good))
            {
                bad = good;
                good *= 2;
                if (-good > limit)
                {
                    return null;
                }
            }
        }

        while (bad - good > 1)
        {
            var middle = good + ((bad - good) / 2);
            if (holds(middle))
            {
                good = middle;
            }
            else
            {
                bad = middle;
            }
        }

        return good;
    }

    // The smallest grid index i with predicate(i) (the predicate fails below some point and holds above it).
    private static long? FirstIndexWhere(Func<long, bool> holds, double interval) =>
        LastIndexWhere(i => !holds(i), interval) is { } last ? last + 1 : null;

    private (double Lambda, double End) ChernoffEnd(int direction, double times, double logTail)
    {
        // End(λ) = direction·(T·K(direction·λ) − ln tail)/λ, minimised (upper) or maximised (lower) over λ > 0 by a
        // golden-section search on ln λ; any λ gives a valid bound, the search only makes the window smaller.
        double End(double logLambda)
        {
            var lambda = Math.Exp(logLambda);
            return ((times * LogMoment(direction * lambda)) - logTail) / lambda;
        }

        double a = Math.Log(1e-4), b = Math.Log(1e4);
        var ratio = (Math.Sqrt(5) - 1) / 2;
        var c = b - (ratio * (b - a));
        var d = a + (ratio * (b - a));
        double fc = End(c), fd = End(d);
        for (var i = 0; i < 80; i++)
        {
            if (fc < fd)
            {
                b = d;
                d = c;
                fd = fc;
                c = b - (ratio * (b - a));
                fc = End(c);
            }
            else
            {
                a = c;
                c = d;
                fc = fd;
                d = a + (ratio * (b - a));
                fd = End(d);
            }
        }

        var best = fc < fd ? c : d;
        var value = Math.Min(fc, fd);
        return (direction * Math.Exp(best), direction * value);
    }

    // K(λ) = ln Σ p_j e^(λ ℓ_j), by log-sum-exp (the finite masses only: the mass at +∞ is accounted for separately).
    private double LogMoment(double lambda)
    {
        var max = double.NegativeInfinity;
        for (var j = 0; j < _masses.Length; j++)
        {
            if (_masses[j] > 0)
            {
                max = Math.Max(max, lambda * (LowestIndex + j) * Interval);
            }
        }

        var sum = 0.0;
        for (var j = 0; j < _masses.Length; j++)
        {
            if (_masses[j] > 0)
            {
                sum += _masses[j] * Math.Exp((lambda * (LowestIndex + j) * Interval) - max);
            }
        }

        return max + Math.Log(sum);
    }

    // δ at grid points k and k + 1 (D_k and D_(k+1), without the constant part).
    private (double Below, double Above) GridDeltas(int k)
    {
        var decay = Math.Exp(-Interval);
        var oneMinusDecay = -AccurateMath.ExpM1(-Interval);
        var above = 0.0;
        var current = 0.0;
        var previous = 0.0;
        for (var i = _masses.Length - 2; i >= k; i--)
        {
            previous = current;
            above += _masses[i + 1];
            current = (oneMinusDecay * above) + (decay * previous);
        }

        return (current, previous);
    }

    // Cuts each tail holding at most tailMass: the top one to +∞, the bottom one onto the lowest index kept.
    private static PrivacyLossDistribution Trim(double interval, long lowestIndex, double[] masses, double infinity, double allowance, double tailMass)
    {
        var first = 0;
        var bottom = 0.0;
        while (first < masses.Length - 1 && bottom + masses[first] <= tailMass)
        {
            bottom += masses[first++];
        }

        var last = masses.Length - 1;
        var top = 0.0;
        while (last > first && top + masses[last] <= tailMass)
        {
            top += masses[last--];
        }

        var kept = masses[first..(last + 1)];
        kept[0] += bottom;
        return new PrivacyLossDistribution(interval, lowestIndex + first, kept, Math.Min(1, infinity + top), allowance);
    }

    private static int? PowerOfTwoAtLeast(long length)
    {
        var size = 1L;
        while (size < length)
        {
            size <<= 1;
        }

        return size > MaxPoints * 2L ? null : (int)size;
    }

    private static double Norm2(ReadOnlySpan<double> values)
    {
        var sum = 0.0;
        foreach (var v in values)
        {
            sum += v * v;
        }

        return Math.Sqrt(sum);
    }
}
