namespace Obscura.Homomorphic.Tests;

public sealed class SecurityStandardTests
{
    [Theory]
    [InlineData(4096, 109)]
    [InlineData(8192, 218)]
    [InlineData(16384, 438)]
    [InlineData(32768, 881)]
    public void The_128_bit_bounds_are_the_published_ones(int n, int bits) => Assert.Equal(bits, SecurityStandard.MaxModulusBits(n, 128));

    [Fact]
    public void Bounds_grow_with_the_degree_and_shrink_with_the_level()
    {
        var degrees = SecurityStandard.Degrees.Order().ToList();
        foreach (var level in new[] { 128, 192, 256 })
        {
            var bounds = degrees.Select(n => SecurityStandard.MaxModulusBits(n, level)).ToList();
            Assert.Equal(bounds.Order(), bounds);
        }

        Assert.All(degrees, n => Assert.True(SecurityStandard.MaxModulusBits(n, 128) > SecurityStandard.MaxModulusBits(n, 192) && SecurityStandard.MaxModulusBits(n, 192) > SecurityStandard.MaxModulusBits(n, 256)));
        Assert.Throws<ArgumentOutOfRangeException>(() => SecurityStandard.MaxModulusBits(2048 * 3, 128));
        Assert.Throws<ArgumentOutOfRangeException>(() => SecurityStandard.MaxModulusBits(8192, 100));
    }
}
