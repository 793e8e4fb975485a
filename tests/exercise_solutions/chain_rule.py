def backward(order, edges, output):
    grads = {name: 0.0 for name in order}
    grads[output] = 1.0
    for node in reversed(order):
        for parent, local in edges.get(node, []):
            grads[parent] += local * grads[node]
    return grads
