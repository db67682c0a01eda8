SELECT
  id,
  feature_1,
  feature_2
FROM {{schema}}.model_features
WHERE ds = '{ds}'
