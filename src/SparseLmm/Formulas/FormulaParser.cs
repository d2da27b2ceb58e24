using SparseLmm.Results;

namespace SparseLmm.Formulas;

/// <summary>Parses lme4 model formulas such as <c>Reaction ~ 1 + Days + (1 + Days | Subject)</c> into a
/// <see cref="ModelFormula"/>, expanding the formula operators the way R's <c>terms()</c> and lme4 do.</summary>
/// <remarks>
/// <para>Supported: a response expression (a name, a call such as <c>log(y)</c>, or <c>cbind(successes, failures)</c>);
/// right-hand-side terms joined by <c>+</c>, removed with <c>-</c>; intercept control with <c>1</c>, <c>0</c> and
/// <c>- 1</c>; interactions <c>a:b</c>, crossing <c>a*b</c>, nesting <c>a/b</c>, <c>a %in% b</c> and powers
/// <c>(a + b + c)^2</c>; calls to <c>log</c> (and <c>log(x, base)</c>), <c>log1p</c>, <c>exp</c>, <c>sqrt</c>,
/// <c>abs</c>, <c>I</c>, <c>factor</c>, <c>scale</c>, <c>poly</c> and <c>offset</c> whose arguments are arithmetic
/// (<c>+ - * / ^</c>, unary minus, numbers, <c>TRUE</c>/<c>FALSE</c>, parentheses, names, nested calls), named as R
/// names them where R does (<c>scale(x, center = TRUE, scale = FALSE)</c>, <c>log(x, base = 2)</c>); random-effects terms
/// <c>(lhs | g)</c> and <c>(lhs || g)</c> with grouping <c>g</c>, <c>a:b</c> or <c>a/b</c>, and glmmTMB's covariance
/// structures around a term: <c>us(lhs | g)</c>, <c>diag(lhs | g)</c>, <c>cs(lhs | g)</c>, <c>ar1(lhs | g)</c>;
/// backquoted names.</para>
/// <para>Fixed terms come out in R's order: main effects, then two-way interactions, and so on, each group in the
/// order written, without duplicates; the factors of an interaction are ordered by their first appearance in the
/// fixed part (in the random term's own left-hand side for random terms). <c>(lhs || g)</c> becomes one term per
/// column (<c>(1 | g)</c>, <c>(0 + x | g)</c>, ...), and <c>(lhs | a/b)</c> becomes <c>(lhs | a)</c> and
/// <c>(lhs | b:a)</c>.</para>
/// <para>Errors are <see cref="InputException"/>s whose one-line message starts with
/// <c>formula error at column N:</c> (one-based).</para>
/// </remarks>
internal static partial class FormulaParser
{
    /// <summary>The functions a formula may call. <c>cbind</c> is allowed only as the response.</summary>
    public static IReadOnlyList<string> SupportedFunctions { get; } =
        ["log", "log1p", "exp", "sqrt", "abs", "I", "factor", "scale", "poly", "offset", "cbind"];

    private const string SupportedFunctionsText = "log, log1p, exp, sqrt, abs, I, factor, scale, poly, offset, and cbind (response only)";

    /// <summary>The arguments each function takes, in R's order (a named argument must be one of them).</summary>
    private static readonly Dictionary<string, string[]> Parameters = new(StringComparer.Ordinal)
    {
        ["log"] = ["x", "base"],
        ["scale"] = ["x", "center", "scale"],
        ["poly"] = ["x", "degree", "coefs", "raw"],
        ["cbind"] = ["", ""],
    };

    /// <summary>The arguments of <paramref name="call"/> matched to <paramref name="parameters"/> as R matches them:
    /// named ones by name, then positional ones in order into the parameters left; null where none was given.</summary>
    /// <exception cref="InputException">More arguments than parameters.</exception>
    public static FormulaExpression?[] MatchArguments(FunctionCall call, IReadOnlyList<string> parameters)
    {
        var matched = new FormulaExpression?[parameters.Count];
        var taken = new bool[parameters.Count];
        for (int i = 0; i < call.Arguments.Count; i++)
        {
            if (call.ArgumentName(i) is not { } name) continue;
            int index = parameters.ToList().IndexOf(name);
            matched[index] = call.Arguments[i];
            taken[index] = true;
        }
        int slot = 0;
        for (int i = 0; i < call.Arguments.Count; i++)
        {
            if (call.ArgumentName(i) is not null) continue;
            while (slot < parameters.Count && taken[slot]) slot++;
            if (slot == parameters.Count)
                throw ErrorAt(call.Position, $"{call.Name}() was given too many arguments");
            matched[slot] = call.Arguments[i];
            taken[slot++] = true;
        }
        return matched;
    }

    /// <summary>The parameters of a function that takes named arguments (log, scale, poly), in R's order.</summary>
    public static IReadOnlyList<string> ParametersOf(string function) => Parameters[function];

    /// <summary>Parses and expands a formula.</summary>
    /// <exception cref="InputException">The text is not a valid formula; the message gives the column.</exception>
    public static ModelFormula Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new Parser(text);
        return parser.Run();
    }

    /// <summary>Every data column the formula uses (response, fixed part, random-effects left-hand sides, grouping
    /// factors, including terms later removed with <c>-</c>), once each, in order of first appearance, with the
    /// position of that first appearance so callers can report e.g. <c>unknown column 'Dayz'</c> at its column
    /// (see <see cref="ErrorAt"/>).</summary>
    /// <remarks>For a formula that did not come from <see cref="Parse"/>, the list is rebuilt from the formula's
    /// structure and grouping factors get position -1.</remarks>
    public static IReadOnlyList<VariableUse> Variables(ModelFormula formula)
    {
        ArgumentNullException.ThrowIfNull(formula);
        if (formula.TextVariables is { } uses) return uses;

        var found = new List<VariableUse>();
        CollectVariables(formula.Response, found);
        foreach (var term in formula.FixedTerms)
            foreach (var factor in term.Factors) CollectVariables(factor, found);
        foreach (var random in formula.RandomTerms)
        {
            foreach (var term in random.Terms)
                foreach (var factor in term.Factors) CollectVariables(factor, found);
            found.AddRange(random.GroupingVariables.Select(g => new VariableUse(g, -1)));
        }

        return Distinct(found);
    }

    /// <summary>The names of <see cref="Variables"/>: every data column the formula uses, in first-appearance order.</summary>
    public static IReadOnlyList<string> VariableNames(ModelFormula formula) =>
        Variables(formula).Select(v => v.Name).ToList();

    /// <summary>Makes the exception for a problem at a zero-based <paramref name="position"/> of the formula text:
    /// <c>formula error at column N: message</c>. Callers can use it for problems found later, such as unknown columns.</summary>
    public static InputException ErrorAt(int position, string message) =>
        new($"formula error at column {position + 1}: {message}");

    /// <summary>Adds the variables of <paramref name="e"/> to <paramref name="found"/> in order of appearance (repeats kept).</summary>
    internal static void CollectVariables(FormulaExpression e, List<VariableUse> found)
    {
        switch (e)
        {
            case VariableReference v:
                found.Add(new VariableUse(v.Name, v.Position));
                break;
            case FunctionCall call:
                foreach (var a in call.Arguments) CollectVariables(a, found);
                break;
            case BinaryOperation bin:
                CollectVariables(bin.Left, found);
                CollectVariables(bin.Right, found);
                break;
            case Negation neg:
                CollectVariables(neg.Operand, found);
                break;
        }
    }

    private static List<VariableUse> Distinct(IEnumerable<VariableUse> uses)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return uses.Where(u => seen.Add(u.Name)).ToList();
    }

    // ----- syntax tree of the formula language (before expansion) -----

    private abstract record Node(int Position);

    /// <summary>A name, number or call.</summary>
    private sealed record LeafNode(FormulaExpression Expression) : Node(Expression.Position);

    private sealed record BinaryNode(string Operator, Node Left, Node Right, int OperatorPosition) : Node(Left.Position);

    private sealed record UnaryNode(char Operator, Node Operand, int OperatorPosition) : Node(OperatorPosition);

    private sealed record ParenNode(Node Inner, int OpenPosition) : Node(OpenPosition);

    /// <summary><c>lhs | group</c>; <paramref name="Structure"/> is set when glmmTMB's <c>us()</c>, <c>diag()</c>,
    /// <c>cs()</c> or <c>ar1()</c> wraps it.</summary>
    private sealed record BarNode(Node Lhs, Node Group, bool IsDouble, int BarPosition, CovarianceStructure? Structure = null)
        : Node(Lhs.Position);

    /// <summary>The covariance structures a random-effects term may be wrapped in, by glmmTMB's names.</summary>
    private static readonly Dictionary<string, CovarianceStructure> Structures = new(StringComparer.Ordinal)
    {
        ["us"] = CovarianceStructure.Unstructured,
        ["diag"] = CovarianceStructure.Diagonal,
        ["cs"] = CovarianceStructure.CompoundSymmetry,
        ["ar1"] = CovarianceStructure.AutoRegressive,
    };

    /// <summary>glmmTMB's name of a structure, as the formula writes it; null for the unstructured default (a plain
    /// <c>(lhs | g)</c>).</summary>
    internal static string? StructureName(CovarianceStructure structure) =>
        structure == CovarianceStructure.Unstructured ? null : structure.Name();

    /// <summary>The Pratt parser of the formula language: tokens to the syntax tree (<see cref="Node"/>), which the
    /// expansion (FormulaTermsExpansion.cs, R's <c>terms()</c>) turns into terms.</summary>
    private sealed partial class Parser(string text)
    {
        private readonly List<FormulaToken> tokens = FormulaTokenizer.Tokenize(text);
        private readonly List<VariableUse> uses = [];
        private readonly List<RandomEffectsTerm> random = [];
        private readonly List<FormulaExpression> offsets = [];
        private int next;
        private bool inResponse;

        private FormulaToken Peek => tokens[next];

        private FormulaToken Next() => tokens[next++];

        public ModelFormula Run()
        {
            FormulaToken first = Peek;
            if (first.Kind == FormulaTokenKind.End)
                throw ErrorAt(first.Position, "the formula is empty: expected something like y ~ x + (1 | g)");
            if (first.Is("~"))
                throw ErrorAt(first.Position, "expected a response before '~'");

            inResponse = true;
            FormulaExpression response = ParseArithmetic(0, null);
            inResponse = false;
            CheckCbindIsWholeResponse(response, true);

            FormulaToken tilde = Peek;
            if (!tilde.Is("~"))
            {
                throw tilde.Kind == FormulaTokenKind.End
                    ? ErrorAt(tilde.Position, "expected '~' after the response (a formula looks like y ~ x + (1 | g))")
                    : ErrorAt(tilde.Position, $"expected '~' after the response but found {tilde.Describe()}");
            }

            Next();
            if (Peek.Kind == FormulaTokenKind.End)
                throw ErrorAt(Peek.Position, "expected the right-hand side after '~' (e.g. y ~ 1 + x)");

            Node rhs = ParseFormula(0, barAllowed: false);
            FormulaToken rest = Peek;
            if (rest.Kind != FormulaTokenKind.End) throw Unexpected(rest);

            var table = new VariableTable();
            Part fixedPart = EvalSum(rhs, table, barError: null, inInteraction: false);
            List<Term> fixedTerms = table.ToTerms(fixedPart.Terms);

            string responseText = FormulaText.Format(response);
            foreach (var term in fixedTerms)
            {
                if (term.Factors.Count == 1 && FormulaText.Format(term.Factors[0]) == responseText)
                    throw ErrorAt(term.Factors[0].Position, $"the response '{responseText}' also appears on the right-hand side");
            }

            return new ModelFormula(text, response, fixedPart.Intercept ?? true, fixedTerms, random.ToList())
            {
                TextVariables = Distinct(uses),
                Offsets = offsets.ToList(),
            };
        }

        private static InputException Unexpected(FormulaToken t)
        {
            if (t.Is(")")) return ErrorAt(t.Position, "unexpected ')' with no matching '('");
            if (t.Is("~")) return ErrorAt(t.Position, "unexpected second '~': a formula has exactly one '~'");
            if (t.Kind is FormulaTokenKind.Name or FormulaTokenKind.Number || t.Is("("))
                return ErrorAt(t.Position, $"unexpected {t.Describe()}: terms must be joined by '+'");
            return ErrorAt(t.Position, $"unexpected {t.Describe()}");
        }

        // ----- formula level: + - * / : ^ %in% | || and parentheses -----

        private static int FormulaBindingPower(FormulaToken t)
        {
            if (t.Kind != FormulaTokenKind.Operator) return -1;
            return t.Text switch
            {
                "|" or "||" => 1,
                "+" or "-" => 2,
                "*" or "/" => 3,
                "%in%" => 4,
                ":" => 5,
                "^" => 7,
                _ => -1,
            };
        }

        private const int UnaryBindingPower = 6;

        /// <summary>Pratt parser for the formula operators. <paramref name="barAllowed"/> is true only directly
        /// inside parentheses, where <c>|</c> makes a random-effects term.</summary>
        /// <summary>How deeply parentheses, calls, signs and powers may nest: far beyond any real formula, and far
        /// within the stack of the recursive parser and of the code that walks the tree.</summary>
        internal const int MaxNesting = 200;

        private int depth;

        private void Enter()
        {
            if (++depth > MaxNesting)
                throw ErrorAt(Peek.Position,
                    $"the formula nests deeper than {MaxNesting} levels here (parentheses, function calls, signs or powers)");
        }

        private Node ParseFormula(int minBindingPower, bool barAllowed, string? after = null)
        {
            Enter();
            try
            {
                return ParseFormulaNested(minBindingPower, barAllowed, after);
            }
            finally
            {
                depth--;
            }
        }

        private FormulaExpression ParseArithmetic(int minBindingPower, string? function)
        {
            Enter();
            try
            {
                return ParseArithmeticNested(minBindingPower, function);
            }
            finally
            {
                depth--;
            }
        }

        private Node ParseFormulaNested(int minBindingPower, bool barAllowed, string? after)
        {
            Node left = ParseFormulaPrefix(after);
            while (true)
            {
                FormulaToken op = Peek;
                int bp = FormulaBindingPower(op);
                if (bp < 0 || bp <= minBindingPower) break;
                if (bp == 1 && !barAllowed)
                    throw ErrorAt(op.Position, $"'{op.Text}' must be inside parentheses, as in (1 | g)");
                Next();
                if (bp == 1)
                {
                    FormulaToken g = Peek;
                    if (g.Is(")") || g.Kind == FormulaTokenKind.End)
                        throw ErrorAt(g.Position, $"missing grouping factor after '{op.Text}' (e.g. (1 | g))");
                    Node group = ParseFormula(1, barAllowed: false, op.Text);
                    left = new BarNode(left, group, op.Text == "||", op.Position);
                    continue;
                }

                // '^' is right-associative; the others are left-associative.
                Node right = ParseFormula(op.Text == "^" ? bp - 1 : bp, barAllowed: false, op.Text);
                left = new BinaryNode(op.Text, left, right, op.Position);
            }

            return left;
        }

        private Node ParseFormulaPrefix(string? after)
        {
            FormulaToken t = Peek;
            switch (t.Kind)
            {
                case FormulaTokenKind.Name:
                    Next();
                    if (Peek.Is("(") && Structures.TryGetValue(t.Text, out var structure)) return ParseStructured(t, structure);
                    return new LeafNode(Peek.Is("(") ? ParseCall(t) : Variable(t));
                case FormulaTokenKind.Number:
                    Next();
                    return new LeafNode(new NumberLiteral(t.Number, t.Position));
                case FormulaTokenKind.End:
                    throw ErrorAt(t.Position, after is null ? "expected a term" : $"expected a term after '{after}'");
            }

            if (t.Is("("))
            {
                Next();
                FormulaToken inner = Peek;
                if (inner.Is(")")) throw ErrorAt(t.Position, "empty parentheses '()'");
                if (inner.Is("|") || inner.Is("||"))
                    throw ErrorAt(inner.Position,
                        $"empty random-effects term: expected e.g. '1' or '1 + x' before '{inner.Text}'");
                Node node = ParseFormula(0, barAllowed: true);
                ExpectClose(t);
                return new ParenNode(node, t.Position);
            }

            if (t.Is("-") || t.Is("+"))
            {
                Next();
                Node operand = ParseFormula(UnaryBindingPower, barAllowed: false, t.Text);
                return new UnaryNode(t.Text[0], operand, t.Position);
            }

            throw ErrorAt(t.Position, after is null
                ? $"expected a term but found {t.Describe()}"
                : $"expected a term after '{after}' but found {t.Describe()}");
        }

        /// <summary>glmmTMB's <c>diag(lhs | g)</c> (and <c>us</c>, <c>cs</c>, <c>ar1</c>): a random-effects term with
        /// its covariance structure, read as the parenthesised term <c>(lhs | g)</c> carrying the structure.</summary>
        private Node ParseStructured(FormulaToken name, CovarianceStructure structure)
        {
            string example = $"{name.Text}(0 + factor(time) | g)";
            FormulaToken open = Next(); // '('
            if (Peek.Is(")")) throw ErrorAt(open.Position, $"{name.Text}() wraps a random-effects term, as in {example}");
            Node inner = ParseFormula(0, barAllowed: true);
            ExpectClose(open);
            if (inner is not BarNode bar)
                throw ErrorAt(name.Position, $"{name.Text}() wraps a random-effects term with '|', as in {example}");
            if (bar.IsDouble)
                throw ErrorAt(bar.BarPosition, $"{name.Text}() takes a term with '|', not '||' (which is diag())");
            return new ParenNode(bar with { Structure = structure }, name.Position);
        }

        private void ExpectClose(FormulaToken open)
        {
            FormulaToken t = Peek;
            if (t.Is(")"))
            {
                Next();
                return;
            }

            string expected = $"expected ')' to close '(' opened at column {open.Position + 1}";
            if (t.Kind == FormulaTokenKind.End) throw ErrorAt(t.Position, expected);
            if (t.Kind is FormulaTokenKind.Name or FormulaTokenKind.Number || t.Is("("))
                throw ErrorAt(t.Position, $"{expected} but found {t.Describe()} (terms must be joined by '+')");
            throw ErrorAt(t.Position, $"{expected} but found {t.Describe()}");
        }

        // ----- arithmetic: the response and function arguments -----

        private static int ArithmeticBindingPower(FormulaToken t)
        {
            if (t.Kind != FormulaTokenKind.Operator) return -1;
            return t.Text switch
            {
                "+" or "-" => 2,
                "*" or "/" => 3,
                "^" => 7,
                _ => -1,
            };
        }

        private FormulaExpression ParseArithmeticNested(int minBindingPower, string? function)
        {
            FormulaExpression left = ParseArithmeticPrefix(function);
            while (true)
            {
                FormulaToken op = Peek;
                int bp = ArithmeticBindingPower(op);
                if (bp < 0 || bp <= minBindingPower) break;
                Next();
                FormulaExpression right = ParseArithmetic(op.Text == "^" ? bp - 1 : bp, function);
                left = new BinaryOperation(op.Text[0], left, right, left.Position);
            }

            return left;
        }

        private FormulaExpression ParseArithmeticPrefix(string? function)
        {
            FormulaToken t = Peek;
            switch (t.Kind)
            {
                case FormulaTokenKind.Name when t.Text is "TRUE" or "FALSE" && !tokens[next + 1].Is("("):
                    Next();
                    return new LogicalLiteral(t.Text == "TRUE", t.Position);
                case FormulaTokenKind.Name:
                    Next();
                    return Peek.Is("(") ? ParseCall(t) : Variable(t);
                case FormulaTokenKind.Number:
                    Next();
                    return new NumberLiteral(t.Number, t.Position);
                case FormulaTokenKind.End:
                    throw ErrorAt(t.Position, function is null
                        ? "expected a response such as y or log(y)"
                        : $"expected an argument of {function}()");
            }

            if (t.Is("("))
            {
                Next();
                FormulaExpression inner = ParseArithmetic(0, function);
                FormulaToken close = Peek;
                if (!close.Is(")") && IsFormulaOnlyOperator(close))
                    throw NotArithmetic(close, function);
                ExpectClose(t);
                return inner;
            }

            if (t.Is("-"))
            {
                Next();
                return new Negation(ParseArithmetic(UnaryBindingPower, function), t.Position);
            }

            if (t.Is("+"))
            {
                Next();
                return ParseArithmetic(UnaryBindingPower, function);
            }

            if (IsFormulaOnlyOperator(t)) throw NotArithmetic(t, function);
            throw ErrorAt(t.Position, function is null
                ? $"expected a response but found {t.Describe()}"
                : $"expected an argument of {function}() but found {t.Describe()}");
        }

        private static bool IsFormulaOnlyOperator(FormulaToken t) =>
            t.Is(":") || t.Is("|") || t.Is("||") || t.Is("%in%") || t.Is("~");

        private static InputException NotArithmetic(FormulaToken t, string? function) =>
            ErrorAt(t.Position, function is null
                ? $"'{t.Text}' cannot be used in the response"
                : $"'{t.Text}' cannot be used inside {function}(): function arguments allow only arithmetic with + - * / ^");

        private FormulaExpression ParseCall(FormulaToken name)
        {
            string f = name.Text;
            if (!SupportedFunctions.Contains(f))
                throw ErrorAt(name.Position, $"unknown function '{f}': supported functions are {SupportedFunctionsText}");
            if (f == "offset" && inResponse)
                throw ErrorAt(name.Position, "offset() belongs on the right-hand side, as in y ~ x + offset(log(n))");
            if (f == "cbind" && !inResponse)
                throw ErrorAt(name.Position, "cbind() is only allowed in the response, as in cbind(successes, failures) ~ x");

            FormulaToken open = Next(); // '('
            var args = new List<FormulaExpression>();
            var names = new List<string?>();
            if (Peek.Is(")"))
            {
                Next();
            }
            else
            {
                while (true)
                {
                    names.Add(ArgumentName(f));
                    args.Add(ParseArithmetic(0, f));
                    FormulaToken t = Peek;
                    if (t.Is(","))
                    {
                        Next();
                        continue;
                    }

                    if (t.Is(")"))
                    {
                        Next();
                        break;
                    }

                    if (t.Kind == FormulaTokenKind.End)
                        throw ErrorAt(t.Position, $"expected ')' to close '(' opened at column {open.Position + 1}");
                    if (IsFormulaOnlyOperator(t)) throw NotArithmetic(t, f);
                    throw ErrorAt(t.Position, $"expected ',' or ')' in the arguments of {f}() but found {t.Describe()}");
                }
            }

            (int min, int max, string expected) = f switch
            {
                "log" => (1, 2, "1 or 2 arguments (x, base)"),
                "scale" => (1, 3, "1 to 3 arguments (x, center, scale)"),
                "poly" => (2, 4, "2 to 4 arguments (x, degree, coefs, raw)"),
                "cbind" => (2, 2, "2 arguments (successes, failures)"),
                _ => (1, 1, "1 argument"),
            };
            if (args.Count < min || args.Count > max)
                throw ErrorAt(name.Position, $"{f}() takes {expected} but was given {args.Count}");
            if (names.Any(n => n is not null)) CheckArgumentNames(f, names, name.Position);

            return new FunctionCall(f, args, name.Position) { ArgumentNames = names.Any(n => n is not null) ? names : [] };
        }

        /// <summary>Reads <c>name =</c> before an argument, when there is one.</summary>
        private string? ArgumentName(string function)
        {
            if (Peek.Kind != FormulaTokenKind.Name || !tokens[next + 1].Is("=")) return null;
            FormulaToken name = Next();
            Next();
            if (!Parameters.TryGetValue(function, out var parameters) || !parameters.Contains(name.Text) || name.Text.Length == 0)
                throw ErrorAt(name.Position, Parameters.TryGetValue(function, out parameters) && parameters[0].Length > 0
                    ? $"{function}() has no argument '{name.Text}' (it takes {string.Join(", ", parameters)})"
                    : $"{function}() takes no named arguments");
            return name.Text;
        }

        /// <summary>Named arguments each once (R's matching: see <see cref="MatchArguments"/>).</summary>
        private static void CheckArgumentNames(string function, List<string?> names, int position)
        {
            var duplicate = names.Where(n => n is not null).GroupBy(n => n).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null)
                throw ErrorAt(position, $"{function}(): argument '{duplicate.Key}' is given more than once");
        }

        private VariableReference Variable(FormulaToken t)
        {
            var v = new VariableReference(t.Text, t.Position);
            uses.Add(new VariableUse(v.Name, v.Position));
            return v;
        }

        private static void CheckCbindIsWholeResponse(FormulaExpression e, bool isRoot)
        {
            switch (e)
            {
                case FunctionCall call:
                    if (call.Name == "cbind" && !isRoot)
                        throw ErrorAt(call.Position,
                            "cbind() must be the whole response, as in cbind(successes, failures) ~ x");
                    foreach (var a in call.Arguments) CheckCbindIsWholeResponse(a, false);
                    break;
                case BinaryOperation bin:
                    CheckCbindIsWholeResponse(bin.Left, false);
                    CheckCbindIsWholeResponse(bin.Right, false);
                    break;
                case Negation neg:
                    CheckCbindIsWholeResponse(neg.Operand, false);
                    break;
            }
        }
    }
}
