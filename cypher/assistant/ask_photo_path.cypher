// name: ask_photo_path
// purpose: For the shopper's page (shopgraph serve): whether a file path is the path of an Image node, the only files the page serves (so no other file of the machine can be asked for).
// mode: read
// param: path (string, required) the path as the graph stores it (Image.path)
// returns: path
// needs: vision (`shopgraph ingest images`)
MATCH (img:Image {path: $path})
RETURN img.path AS path
LIMIT 1
