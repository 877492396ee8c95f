import Testing
@testable import Transformer

/// The one token-budget batcher of training, translation and scoring.
@Suite struct TokenBudgetTests {
    @Test func batchesStayWithinTheBudgetAndKeepTheOrder() {
        let lengths = [3, 5, 2, 8, 8, 1, 4, 9, 2, 6]
        for budget in [9, 10, 16, 24, 100] {
            for rows in [1, 2, 5] {
                let order = Array(lengths.indices.reversed())
                let batches = TokenBudget.batches(order, budget: budget, rowsPerItem: rows) { lengths[$0] }
                #expect(batches.flatMap { $0 } == order, "every item once, in order")
                for batch in batches where batch.count > 1 {
                    #expect(batch.map { lengths[$0] }.max()! * batch.count * rows <= budget)
                }
                // Greedy: adding the next item would have broken the budget.
                for (b, next) in zip(batches, batches.dropFirst()) {
                    #expect(max(b.map { lengths[$0] }.max()!, lengths[next[0]]) * (b.count + 1) * rows > budget)
                }
            }
        }
    }

    @Test func anItemOverTheBudgetIsABatchOfItsOwn() {
        #expect(TokenBudget.batches([0, 1, 2], budget: 4) { [2, 10, 2][$0] } == [[0], [1], [2]])
        #expect(TokenBudget.batches([], budget: 4) { _ in 1 } == [])
    }
}
