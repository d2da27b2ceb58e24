using SparseLmm.Results;

namespace SparseLmm.Formulas;

// The expansion of a parsed formula into terms, as R's terms() and lme4 do it: + and - on term lists, the intercept
// markers, interactions (:), crossing (*), nesting (/ and %in%), powers, and random-effects terms with their grouping
// factors (lme4's expandDoubleVerts and expandSlash). The parser that builds the syntax tree is FormulaParser.cs.
static partial class FormulaParser
{
    /// <summary>Terms as sorted arrays of variable indices, without duplicates, in insertion order.</summary>
    private sealed class TermList
    {
        private readonly List<int[]> items = [];
        private readonly HashSet<string> keys = new(StringComparer.Ordinal);

        public IReadOnlyList<int[]> Items => items;

        public static TermList Of(params int[][] terms)
        {
            var list = new TermList();
            foreach (var t in terms) list.Add(t);
            return list;
        }

        public void Add(int[] term)
        {
            if (keys.Add(Key(term))) items.Add(term);
        }

        public void AddRange(TermList other)
        {
            foreach (var t in other.items) Add(t);
        }

        public void RemoveAll(TermList other)
        {
            foreach (var t in other.items)
            {
                string key = Key(t);
                if (keys.Remove(key)) items.RemoveAll(x => Key(x) == key);
            }
        }

        /// <summary>The union of all variables of all terms, as one term.</summary>
        public int[] AllVariables() => items.SelectMany(t => t).Distinct().Order().ToArray();

        public static TermList Interact(TermList left, TermList right)
        {
            var result = new TermList();
            foreach (var l in left.items)
                foreach (var r in right.items)
                    result.Add(l.Union(r).Order().ToArray());
            return result;
        }

        private static string Key(int[] term) => string.Join(",", term);
    }

    /// <summary>The variables (expressions) of one formula part, indexed in order of first appearance.</summary>
    private sealed class VariableTable
    {
        private readonly Dictionary<string, int> index = new(StringComparer.Ordinal);

        public List<FormulaExpression> Expressions { get; } = [];

        public int Register(FormulaExpression e)
        {
            string key = FormulaText.Format(e);
            if (!index.TryGetValue(key, out int i))
            {
                i = Expressions.Count;
                index[key] = i;
                Expressions.Add(e);
            }

            return i;
        }

        public List<Term> ToTerms(TermList terms) =>
            terms.Items
                .OrderBy(t => t.Length) // stable: R's order is by interaction order, then as written
                .Select(t => new Term(t.Select(i => Expressions[i]).ToList()))
                .ToList();
    }

    private sealed record Part(TermList Terms, bool? Intercept);

    private sealed partial class Parser
    {
        // True while the left-hand side of a random-effects term is expanded (where offset() has no meaning).
        private bool inRandomPart;

        /// <summary>Evaluates a sum of terms: <c>+</c>, <c>-</c>, intercept markers, parentheses and, when
        /// <paramref name="barError"/> is null, random-effects terms (which go to <see cref="random"/>).</summary>
        private Part EvalSum(Node node, VariableTable table, string? barError, bool inInteraction)
        {
            switch (node)
            {
                case BinaryNode { Operator: "+" } plus:
                {
                    Part left = EvalSum(plus.Left, table, barError, inInteraction);
                    Part right = EvalSum(plus.Right, table, barError, inInteraction);
                    left.Terms.AddRange(right.Terms);
                    return new Part(left.Terms, right.Intercept ?? left.Intercept);
                }
                case BinaryNode { Operator: "-" } minus:
                {
                    Part left = EvalSum(minus.Left, table, barError, inInteraction);
                    Part removed = EvalSum(minus.Right, table, "random-effects terms cannot be removed with '-'", inInteraction);
                    left.Terms.RemoveAll(removed.Terms);
                    return new Part(left.Terms, removed.Intercept is bool r ? !r : left.Intercept);
                }
                case UnaryNode { Operator: '-' } negative:
                {
                    Part removed = EvalSum(negative.Operand, table, "random-effects terms cannot be removed with '-'", inInteraction);
                    return new Part(new TermList(), removed.Intercept is bool r ? !r : null);
                }
                case UnaryNode plus:
                    return EvalSum(plus.Operand, table, barError, inInteraction);
                case ParenNode { Inner: BarNode bar } paren:
                    if (barError is not null) throw ErrorAt(paren.Position, barError);
                    random.AddRange(EvalRandom(bar));
                    return new Part(new TermList(), null);
                case ParenNode paren:
                    return EvalSum(paren.Inner, table, barError, inInteraction);
                case LeafNode { Expression: FunctionCall { Name: "offset" } offset }:
                    if (inInteraction) throw ErrorAt(offset.Position, "offset() cannot be part of an interaction; add it to the formula with '+'");
                    if (barError is not null || inRandomPart)
                        throw ErrorAt(offset.Position, inRandomPart
                            ? "offset() belongs to the fixed part of the formula, not inside a random-effects term"
                            : "an offset cannot be removed with '-'");
                    offsets.Add(offset.Arguments[0]);
                    return new Part(new TermList(), null);
                case LeafNode { Expression: NumberLiteral n }:
                    if (n.Value is not (0 or 1)) throw NumberNotATerm(n);
                    if (inInteraction)
                        throw ErrorAt(n.Position,
                            $"'{FormulaText.FormatNumber(n.Value)}' cannot be used inside an interaction; use 0 or 1 on its own to remove or keep the intercept");
                    return new Part(new TermList(), n.Value == 1);
                default:
                    return new Part(EvalProduct(node, table), null);
            }
        }

        /// <summary>Evaluates interaction operators <c>: * / %in% ^</c> to a list of terms.</summary>
        private TermList EvalProduct(Node node, VariableTable table)
        {
            switch (node)
            {
                case LeafNode { Expression: NumberLiteral n }:
                    if (n.Value is 0 or 1)
                        throw ErrorAt(n.Position,
                            $"'{FormulaText.FormatNumber(n.Value)}' cannot be used inside an interaction; use 0 or 1 on its own to remove or keep the intercept");
                    throw NumberNotATerm(n);
                case LeafNode { Expression: FunctionCall { Name: "offset" } offset }:
                    throw ErrorAt(offset.Position, "offset() cannot be part of an interaction; add it to the formula with '+'");
                case LeafNode leaf:
                    return TermList.Of([table.Register(leaf.Expression)]);
                case ParenNode { Inner: BarNode } paren:
                    throw ErrorAt(paren.Position,
                        "a random-effects term cannot be part of an interaction; add it to the formula with '+'");
                case ParenNode paren:
                    return EvalSum(paren.Inner, table, "a random-effects term cannot be part of an interaction", inInteraction: true).Terms;
                case BarNode bar:
                    throw ErrorAt(bar.BarPosition, "a random-effects term can have only one '|' or '||'");
                case UnaryNode { Operator: '-' } negative:
                    throw ErrorAt(negative.Position, "'-' inside an interaction: '-' can only remove terms from a sum");
                case UnaryNode plus:
                    return EvalProduct(plus.Operand, table);
                case BinaryNode { Operator: "+" or "-" }:
                    return EvalSum(node, table, "a random-effects term cannot be part of an interaction", inInteraction: true).Terms;
                case BinaryNode { Operator: "^" } power:
                {
                    TermList baseTerms = EvalProduct(power.Left, table);
                    int n = PowerExponent(power.Right);
                    var result = new TermList();
                    result.AddRange(baseTerms);
                    for (int k = 2; k <= n; k++)
                    {
                        TermList next = TermList.Interact(result, baseTerms);
                        result.AddRange(next);
                    }

                    return result;
                }
                case BinaryNode bin:
                {
                    TermList left = EvalProduct(bin.Left, table);
                    TermList right = EvalProduct(bin.Right, table);
                    var result = new TermList();
                    switch (bin.Operator)
                    {
                        case ":":
                            result.AddRange(TermList.Interact(left, right));
                            break;
                        case "*":
                            result.AddRange(left);
                            result.AddRange(right);
                            result.AddRange(TermList.Interact(left, right));
                            break;
                        case "/":
                            result.AddRange(left);
                            result.AddRange(TermList.Interact(TermList.Of(left.AllVariables()), right));
                            break;
                        case "%in%":
                            result.AddRange(TermList.Interact(left, TermList.Of(right.AllVariables())));
                            break;
                        default:
                            throw ErrorAt(bin.OperatorPosition, $"unsupported operator '{bin.Operator}'");
                    }

                    return result;
                }
                default:
                    throw ErrorAt(node.Position, "unsupported term");
            }
        }

        private static int PowerExponent(Node node)
        {
            while (node is ParenNode p) node = p.Inner;
            if (node is LeafNode { Expression: NumberLiteral n } && n.Value >= 1 && n.Value == Math.Floor(n.Value) && n.Value <= 64)
                return (int)n.Value;
            throw ErrorAt(node.Position, "the power in a formula such as (a + b)^2 must be a whole number of at least 1");
        }

        private static InputException NumberNotATerm(NumberLiteral n) =>
            ErrorAt(n.Position,
                $"unexpected number {FormulaText.FormatNumber(n.Value)} where a term is expected: only 0 or 1 may appear on their own (to remove or keep the intercept); use I() for arithmetic");

        private List<RandomEffectsTerm> EvalRandom(BarNode bar)
        {
            if (bar.Lhs is BarNode)
                throw ErrorAt(bar.BarPosition, "a random-effects term can have only one '|' or '||'");
            var table = new VariableTable();
            inRandomPart = true;
            Part lhs = EvalSum(bar.Lhs, table, "random-effects terms cannot be nested inside another random-effects term", inInteraction: false);
            inRandomPart = false;
            bool intercept = lhs.Intercept ?? true;
            List<Term> terms = table.ToTerms(lhs.Terms);
            if (!intercept && terms.Count == 0)
                throw ErrorAt(bar.Lhs.Position,
                    "the random-effects term has no columns: it removes the intercept and adds no variables before '|'");

            List<Group> groups = Groups(bar.Group);
            var result = new List<RandomEffectsTerm>();
            if (bar.IsDouble)
            {
                // lme4's expandDoubleVerts: one uncorrelated term per column, each then expanded over the groups.
                var pieces = new List<(bool Intercept, List<Term> Terms)>();
                if (intercept) pieces.Add((true, []));
                pieces.AddRange(terms.Select(t => (false, new List<Term> { t })));
                foreach (var (pieceIntercept, pieceTerms) in pieces)
                    foreach (var g in groups)
                        result.Add(new RandomEffectsTerm(pieceIntercept, pieceTerms, g.Variables, g.Name));
            }
            else
            {
                var structure = bar.Structure ?? CovarianceStructure.Unstructured;
                foreach (var g in groups)
                    result.Add(new RandomEffectsTerm(intercept, terms, g.Variables, g.Name) { Structure = structure });
            }

            return result;
        }

        /// <summary>A grouping factor: its variables (first most significant) and its name as lme4 prints it.</summary>
        private sealed record Group(IReadOnlyList<string> Variables, string Name)
        {
            /// <summary>The name as a part of a larger interaction: parenthesised when it is itself one, as R deparses
            /// <c>c:(b:a)</c>.</summary>
            public string Operand => Variables.Count > 1 ? $"({Name})" : Name;
        }

        /// <summary>Expands a grouping expression: <c>g</c>, <c>a:b</c>, <c>a/b</c> (= <c>a</c>, <c>b:a</c>), with lme4's
        /// names: <c>a/b/c</c> is <c>a</c>, <c>b:a</c> and <c>c:(b:a)</c> (lme4's expandSlash builds <c>c:(b:a)</c>
        /// as a call, and R deparses the inner interaction in parentheses), <c>(a:b)/c</c> gives <c>c:(a:b)</c>.</summary>
        private static List<Group> Groups(Node node)
        {
            const string Shape = "use a column name g, an interaction a:b, or nesting a/b";
            switch (node)
            {
                case LeafNode { Expression: VariableReference v }:
                    return [new Group([v.Name], v.Name)];
                case LeafNode { Expression: NumberLiteral n }:
                    throw ErrorAt(n.Position,
                        $"the grouping factor after '|' must be a column name, not the number {FormulaText.FormatNumber(n.Value)}");
                case LeafNode { Expression: FunctionCall call }:
                    throw ErrorAt(call.Position, $"the grouping factor after '|' must be a column name, not {call.Name}(): {Shape}");
                case ParenNode paren:
                    if (paren.Inner is BarNode) break;
                    return Groups(paren.Inner);
                case BinaryNode { Operator: ":" } interaction:
                {
                    // A parenthesised operand keeps its parentheses in the name, as R deparses a:(b:c).
                    static string Part(Node side, Group g) => side is ParenNode ? g.Operand : g.Name;
                    var result = new List<Group>();
                    foreach (var l in Groups(interaction.Left))
                        foreach (var r in Groups(interaction.Right))
                            result.Add(new Group(l.Variables.Concat(r.Variables).ToArray(),
                                $"{Part(interaction.Left, l)}:{Part(interaction.Right, r)}"));
                    return result;
                }
                case BinaryNode { Operator: "/" } nesting:
                {
                    List<Group> result = Groups(nesting.Left);
                    Group outer = result[^1];
                    foreach (var inner in Groups(nesting.Right))
                        result.Add(new Group(inner.Variables.Concat(outer.Variables).ToArray(), $"{inner.Operand}:{outer.Operand}"));
                    return result;
                }
                case BinaryNode bin:
                    throw ErrorAt(bin.OperatorPosition, $"'{bin.Operator}' cannot be used in the grouping factor after '|': {Shape}");
            }

            throw ErrorAt(node.Position, $"unsupported grouping factor after '|': {Shape}");
        }
    }
}
