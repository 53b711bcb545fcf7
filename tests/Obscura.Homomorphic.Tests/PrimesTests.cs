using Obscura.Homomorphic.Arithmetic;

namespace Obscura.Homomorphic.Tests;

public sealed class PrimesTests
{
    [Fact]
    public void Primality_agrees_with_a_sieve_below_two_hundred_thousand()
    {
        const int limit = 200_000;
        var composite = new bool[limit];
        composite[0] = composite[1] = true;
        for (var i = 2; i * i < limit; i++)
        {
            if (!composite[i])
            {
                for (var j = i * i; j < limit; j += i)
                {
                    composite[j] = true;
                }
            }
        }

        for (var n = 0; n < limit; n++)
        {
            Assert.True(Primes.IsPrime((ulong)n) == !composite[n], $"IsPrime({n})");
        }
    }

    [Theory]
    [InlineData(2305843009213693951UL, true)] // 2^61 - 1, Mersenne prime
    [InlineData(18446744073709551557UL, true)] // largest prime below 2^64
    [InlineData(3215031751UL, false)] // strong pseudoprime to bases 2, 3, 5 and 7
    [InlineData(3825123056546413051UL, false)] // strong pseudoprime to bases 2..23
    [InlineData(561UL, false)] // Carmichael
    [InlineData(18446744073709551615UL, false)]
    public void Known_primes_and_strong_pseudoprimes_are_classified_correctly(ulong n, bool prime) => Assert.Equal(prime, Primes.IsPrime(n));

    [Theory]
    [InlineData(60, 8192, 3)]
    [InlineData(50, 16384, 4)]
    [InlineData(30, 4096, 5)]
    [InlineData(20, 1024, 2)]
    public void Ntt_friendly_primes_have_the_size_and_congruence_asked_for(int bits, int n, int count)
    {
        var primes = Primes.NttFriendly(bits, n, count);
        Assert.Equal(count, primes.Count);
        Assert.All(primes, q =>
        {
            Assert.True(Primes.IsPrime(q));
            Assert.Equal(1UL, q % (2UL * (ulong)n));
            Assert.Equal(bits, 64 - System.Numerics.BitOperations.LeadingZeroCount(q));
        });
        Assert.Equal(primes.OrderDescending(), primes);
        Assert.Equal(primes.Count, primes.Distinct().Count());
    }

    [Fact]
    public void Impossible_prime_requests_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Primes.NttFriendly(61, 1024, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Primes.NttFriendly(40, 1000, 1));
        Assert.Throws<InvalidOperationException>(() => Primes.NttFriendly(20, 65536, 100));
    }

    [Fact]
    public void The_chosen_root_is_the_smallest_primitive_2n_th_root()
    {
        var q = Primes.NttFriendly(20, 16, 1)[0];
        var psi = Primes.MinimalPrimitiveRoot(q, 16);
        Assert.Equal(q - 1, Primes.PowMod(psi, 16, q));
        for (ulong x = 2; x < psi; x++)
        {
            Assert.NotEqual(q - 1, Primes.PowMod(x, 16, q));
        }
    }
}
