def topological_sort(root, parents):
    order, visited = [], set()
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))
        for p in parents.get(node, []):
            if p not in visited:
                stack.append((p, False))
    return order
