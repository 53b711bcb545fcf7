using Obscura.ModelPrivacy.Data;

namespace Obscura.ModelPrivacy.Tests;

public sealed class ArffReaderTests
{
    private static TabularDataset Parse(string text) => ArffReader.Read(new StringReader(text));

    [Fact]
    public void Quoted_values_missing_values_comments_and_both_kinds_of_attribute_are_read()
    {
        var data = Parse("""
            % a comment
            @RELATION 'people'
            @attribute age numeric
            @attribute 'home town' {'Oslo', Bergen, 'St. Olav\'s'}
            @attribute class {yes, no}

            @data
            31, 'Oslo', yes
            ?, Bergen ,no
            40.5,'St. Olav\'s',?
            """);

        Assert.Equal("people", data.Name);
        Assert.Equal(3, data.RowCount);
        Assert.Equal(["Oslo", "Bergen", "St. Olav's"], data.Attributes[1].Categories);
        Assert.Equal(1, data.IndexOf("home town"));
        Assert.Equal(31, data.Numeric(0)[0]);
        Assert.True(double.IsNaN(data.Numeric(0)[1]));
        Assert.Equal([0, 1, 2], data.Nominal(1).ToArray());
        Assert.Equal([0, 1, -1], data.Nominal(2).ToArray());
        Assert.Throws<InvalidOperationException>(() => data.Nominal(0).Length);
    }

    [Theory]
    [InlineData("@relation r\n@attribute a numeric\n@data\nx\n", "Line 4", "not a number")]
    [InlineData("@relation r\n@attribute a {p, q}\n@data\nz\n", "Line 4", "not a declared category")]
    [InlineData("@relation r\n@attribute a numeric\n@attribute b numeric\n@data\n1\n", "Line 5", "1 values for 2")]
    [InlineData("@relation r\n@attribute a string\n@data\n", "Line 2", "only numeric")]
    [InlineData("@relation r\n@attribute a numeric\n@data\n{0 1}\n", "Line 4", "sparse")]
    [InlineData("@relation r\n@attribute a numeric\n", "No @data", "")]
    [InlineData("@relation r\n@attribute a numeric\n@attribute a numeric\n@data\n", "Line 3", "twice")]
    [InlineData("@relation r\n@attribute a {p, q}\n@data\n'p\n", "Line 4", "unterminated")]
    [InlineData("hello\n", "Line 1", "expected @relation")]
    public void A_malformed_file_is_refused_with_the_line_and_the_reason(string text, string where, string why)
    {
        var ex = Assert.Throws<InvalidDataException>(() => Parse(text));
        Assert.Contains(where, ex.Message, StringComparison.Ordinal);
        Assert.Contains(why, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_german_credit_file_has_its_thousand_applicants_and_twenty_one_columns()
    {
        var data = TabularData.Credit();

        Assert.Equal("german_credit", data.Name);
        Assert.Equal(1000, data.RowCount);
        Assert.Equal(21, data.Attributes.Count);
        Assert.Equal(["good", "bad"], data.Attributes[data.IndexOf("class")].Categories);
        Assert.Equal(700, data.Nominal(data.IndexOf("class")).ToArray().Count(c => c == 0));
        Assert.Equal(67, data.Numeric(data.IndexOf("age"))[0]);
        Assert.Throws<ArgumentException>(() => data.IndexOf("salary"));
    }
}
